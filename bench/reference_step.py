"""The CPU peer of scg's reference step: the same DCGAN-like GAN step in PyTorch, timed in-process.

Written for scg from the step description in the shared bench notes (not copied): generator
dense(100 -> 4*4*8ngf) -> [upsample x2 nearest, conv3x3 (channels halved, >= ngf), batchnorm, leaky relu 0.2]
until the resolution -> conv3x3 -> 3 -> tanh; discriminator conv4x4/2 pad 1 + leaky relu until 4x4 (channels
doubled, <= 8ndf) -> flatten -> dense -> 1; hinge loss; Adam(2e-4, betas 0.5/0.999); ngf = ndf = 32.
One step = one D update on real + detached fakes, then one G update.

Usage: /usr/bin/python3 bench/reference_step.py RES BATCH THREADS STEPS [DEVICE]   -> prints one JSON line
DEVICE is cpu (the default) or cuda[:N]; on CUDA each timed step ends with a synchronize.
"""
import json
import sys
import time

import torch
from torch import nn


def build(res, ngf=32):
    layers, ch, size = [nn.Linear(100, 4 * 4 * ngf * 8), nn.Unflatten(1, (ngf * 8, 4, 4))], ngf * 8, 4
    while size < res:
        out = max(ch // 2, ngf)
        layers += [nn.Upsample(scale_factor=2), nn.Conv2d(ch, out, 3, padding=1), nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
        ch, size = out, size * 2
    gen = nn.Sequential(*layers, nn.Conv2d(ch, 3, 3, padding=1), nn.Tanh())
    layers, ch, size = [nn.Conv2d(3, ngf, 4, 2, 1), nn.LeakyReLU(0.2)], ngf, res // 2
    while size > 4:
        out = min(ch * 2, ngf * 8)
        layers += [nn.Conv2d(ch, out, 4, 2, 1), nn.LeakyReLU(0.2)]
        ch, size = out, size // 2
    disc = nn.Sequential(*layers, nn.Flatten(), nn.Linear(ch * 16, 1))
    return gen, disc


def main():
    res, batch, threads, steps = (int(a) for a in sys.argv[1:5])
    device = torch.device(sys.argv[5] if len(sys.argv) > 5 else "cpu")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    gen, disc = build(res)
    gen, disc = gen.to(device), disc.to(device)
    opt_g = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, 3, res, res, device=device) * 2 - 1

    def step():
        z = torch.randn(batch, 100, device=device)
        opt_d.zero_grad()
        loss_d = torch.relu(1 - disc(real)).mean() + torch.relu(1 + disc(gen(z).detach())).mean()
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = -disc(gen(z)).mean()
        loss_g.backward()
        opt_g.step()

    for _ in range(2):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    ms = sorted(times)[len(times) // 2] * 1000
    print(json.dumps({"torch": torch.__version__, "device": str(device), "threads": threads, "res": res, "batch": batch, "step_ms": ms, "img_per_s": batch * 1000 / ms}))


if __name__ == "__main__":
    main()
