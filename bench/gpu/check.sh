#!/usr/bin/env bash
# The GPU check, one command on a Linux machine with an NVIDIA GPU, a pip-installed CUDA torch, g++ and no network:
#   bash check.sh [scg-gpu-pack.tar.gz]      (default: next to this script)
# It builds scg's libtorch addon against that torch, runs the torch kernel parity tests on cuda (TF32 off), then
# times the reference GAN step on cuda next to PyTorch's bench/reference_step.py on the same GPU and prints both
# img/s and their ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pack=${1:-$here/scg-gpu-pack.tar.gz}
work=$(mktemp -d)
tar -C "$work" -xzf "$pack"
cd "$work/scg"
export PATH="$PWD/node:$PATH" SCG_NODEDIR="$PWD/nodedir" SCG_LIBTORCH_USE_PYTORCH=1 SCG_PYTHON=$(command -v python3)
echo "== GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1); torch $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda)')"
echo "== building the addon against pip's torch"
node native/build.js
node bin/run.js doctor --backend torch --device cuda
echo "== kernel parity on cuda (float32 references; TF32 disabled)"
SCG_TEST_DEVICE=cuda SCG_TORCH_TF32=0 node --test dist/src/core/backends/torch/kernels.test.js
echo "== reference step on cuda: scg torch vs PyTorch, alternating rounds"
node bin/run.js bench --reference --torch --backend torch --device cuda --rounds 3 --steps 20 --json > "$work/gpu.json"
node -e '
const r = require(process.argv[1]);
const py = r.torch.map((t) => t.imagesPerSecond.toFixed(1)).join(", ");
console.log(`scg torch on cuda: ${r.results.reference.imagesPerSecond.toFixed(1)} img/s; PyTorch on cuda: ${py} img/s; ratio ${r.ratio.toFixed(3)}`);
' "$work/gpu.json"
