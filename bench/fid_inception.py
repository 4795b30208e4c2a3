#!/usr/bin/env python3
"""PyTorch peer of scg's FID Inception, for `npm run bench` and for checking scg's network against PyTorch's.

Builds torchvision's Inception3 (1008 classes, no aux head) with the four FID block variants (average pools that
leave padding out of the mean; a max pool in the last block's pool branch), the network pytorch-fid runs.

  fid_inception.py save-random OUT.pth SEED        a state_dict of random weights (the real file is not reachable)
  fid_inception.py features WEIGHTS.safetensors FOLDER THREADS BATCH [OUT.npy]
      decodes every png under FOLDER (PIL, RGB, /255), resizes to 299 in the model (bilinear, align_corners=False),
      times the pass and prints one JSON line: images, seconds, img_per_s; OUT.npy gets the [n, 2048] features.

Needs torch and torchvision (Debian: python3-torch python3-torchvision) and PIL.
"""
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torchvision.models import inception as tv


def pool_same_avg(x):
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class BlockA(tv.InceptionA):
    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch5x5_2(self.branch5x5_1(x))
        c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([a, b, c, self.branch_pool(pool_same_avg(x))], 1)


class BlockC(tv.InceptionC):
    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        c = x
        for m in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            c = m(c)
        return torch.cat([a, b, c, self.branch_pool(pool_same_avg(x))], 1)


class BlockE(tv.InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        s = self.branch3x3_1(x)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        p = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else pool_same_avg(x)
        return torch.cat([self.branch1x1(x), self.branch3x3_2a(s), self.branch3x3_2b(s),
                          self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d), self.branch_pool(p)], 1)


def build():
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
    net.Mixed_5b, net.Mixed_5c, net.Mixed_5d = BlockA(192, 32), BlockA(256, 64), BlockA(288, 64)
    net.Mixed_6b, net.Mixed_6c = BlockC(768, 128), BlockC(768, 160)
    net.Mixed_6d, net.Mixed_6e = BlockC(768, 160), BlockC(768, 192)
    net.Mixed_7b, net.Mixed_7c = BlockE(1280, False), BlockE(2048, True)
    return net.eval()


def pool_features(net, x01):
    x = F.interpolate(x01, size=(299, 299), mode="bilinear", align_corners=False) * 2 - 1
    for name in ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
                 "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                 "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"]:
        x = getattr(net, name)(x)
    return x.mean(dim=(2, 3))


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I64": np.int64}[e["dtype"]]
        a, b = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=dtype).reshape(e["shape"]).copy())
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "save-random":
        torch.manual_seed(int(sys.argv[3]))
        net = build()
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, torch.nn.BatchNorm2d):
                torch.nn.init.uniform_(m.weight, 0.5, 1.5)
                torch.nn.init.normal_(m.bias, 0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        torch.save(net.state_dict(), sys.argv[2])
        return
    weights, folder, threads, batch = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    from PIL import Image

    net = build()
    r = net.load_state_dict(read_safetensors(weights), strict=False)
    assert not r.unexpected_keys and all(k.endswith("num_batches_tracked") for k in r.missing_keys), r
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.lower().endswith(".png"))
    feats = []
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(files), batch):
            imgs = [np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) / 255 for p in files[i:i + batch]]
            x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2)
            feats.append(pool_features(net, x).numpy())
    seconds = time.perf_counter() - start
    if len(sys.argv) > 6:
        np.save(sys.argv[6], np.concatenate(feats).astype(np.float64))
    print(json.dumps({"torch": torch.__version__, "threads": threads, "images": len(files), "seconds": seconds,
                      "img_per_s": len(files) / seconds}))


if __name__ == "__main__":
    main()
