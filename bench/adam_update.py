"""PyTorch's peer of `scg bench --adam`: one torch.optim.Adam update of the same weight shapes (PyTorch's
[out, in, kh, kw] layout), median of timed updates after two untimed ones. Prints one JSON line.
Usage: adam_update.py THREADS UPDATES"""
import json
import statistics
import sys
import time

import torch

threads, updates = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
shapes = [(2048, 1024, 4, 4), (1024, 2048, 3, 3)]
weights = [torch.nn.Parameter(torch.randn(*s) * 0.01) for s in shapes]
for w in weights:
    w.grad = torch.randn_like(w) * 0.01
opt = torch.optim.Adam(weights, lr=1e-4, betas=(0.5, 0.999))
times = []
for i in range(updates + 2):
    t0 = time.perf_counter()
    opt.step()
    if i >= 2:
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"torch": torch.__version__, "threads": threads, "update_ms": statistics.median(times)}))
