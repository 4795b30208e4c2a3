#!/usr/bin/env python3
"""Writes pytorch-fid's FID Inception weights as the safetensors file scg's `fid-inception` evaluator reads.

  python3 scripts/convert-pt-inception.py [IN.pth] [OUT.safetensors]

IN defaults to torch hub's cache, where pytorch-fid downloads the weights on first use
(~/.cache/torch/hub/checkpoints/pt_inception-2015-12-05-6726825d.pth; get it with `python -m pytorch_fid` once, or
download the release asset of mseitzer/pytorch-fid named in docs/evaluation.md). OUT defaults to
~/.cache/scg/pt_inception-2015-12-05-6726825d.safetensors, where `scg fid`, `scg is` and eval.evaluator:
fid-inception look when no path is given. Needs only torch. Tensor names are the state_dict keys, unchanged;
float tensors are written as F32 and the batch norms' num_batches_tracked counters as I64. Prints the sha256.
"""
import hashlib
import json
import os
import struct
import sys

import torch

NAME = "pt_inception-2015-12-05-6726825d"


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(torch.hub.get_dir(), "checkpoints", NAME + ".pth")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser(os.path.join("~", ".cache", "scg", NAME + ".safetensors"))
    if not os.path.exists(src):
        sys.exit(f"error: {src} does not exist\n  hint: pass the .pth path, or let pytorch-fid download it first")
    state = torch.load(src, map_location="cpu")
    if not isinstance(state, dict):
        sys.exit(f"error: {src} holds a {type(state).__name__}, not a state_dict")
    header, chunks, offset, floats, values = {}, [], 0, 0, 0
    for name, t in state.items():
        if t.dtype.is_floating_point:
            t, dtype = t.detach().to(torch.float32).contiguous(), "F32"
            floats += 1
            values += t.numel()
        elif t.dtype == torch.int64:
            t, dtype = t.detach().contiguous(), "I64"
        else:
            sys.exit(f"error: tensor {name} has dtype {t.dtype}; expected float or int64")
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"source": os.path.basename(src), "written_by": "scg scripts/convert-pt-inception.py"}
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    blob = struct.pack("<Q", len(text)) + text.encode() + b"".join(chunks)
    with open(dst + ".tmp", "wb") as f:
        f.write(blob)
    os.replace(dst + ".tmp", dst)
    print(f"wrote {dst}: {floats} float tensors, {values} values (the FID Inception has 472 and 23885392)")
    print(f"sha256 {hashlib.sha256(blob).hexdigest()}")


if __name__ == "__main__":
    main()
