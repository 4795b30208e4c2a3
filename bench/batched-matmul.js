// Times one batched matmul of the quickstart's pretraining ([32,512,64] x [32,64,64]) on scg's torch backend and in
// PyTorch on the same threads, with the page faults per scg call. Run after `npm run build`:
//   node bench/batched-matmul.js [threads]
const {spawnSync} = require('node:child_process');
const fs = require('node:fs');
const tf = require('@tensorflow/tfjs');
const {initBackend} = require('../dist/src/core/backend');

const threads = Number(process.argv[2] ?? 2);
const CALLS = 100;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const minorFaults = () => Number(fs.readFileSync('/proc/self/stat', 'utf8').split(' ')[9]);

const PYTORCH = `
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a, b = torch.randn(32, 512, 64), torch.randn(32, 64, 64)
torch.matmul(a, b)
ts = []
for _ in range(${CALLS}):
    t0 = time.perf_counter(); torch.matmul(a, b); ts.append(time.perf_counter() - t0)
print(sorted(ts)[len(ts) // 2] * 1e3)
`;

(async () => {
  await initBackend('torch', {threads});
  const a = tf.randomNormal([32, 512, 64]);
  const b = tf.randomNormal([32, 64, 64]);
  tf.matMul(a, b).dispose();
  const ms = [];
  const faults0 = minorFaults();
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    tf.matMul(a, b).dispose();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const faults = (minorFaults() - faults0) / CALLS;
  const py = spawnSync(process.env.SCG_PYTHON || '/usr/bin/python3', ['-c', PYTORCH, String(threads)], {
    encoding: 'utf8',
    env: process.env,
  });
  const pyMs = py.status === 0 ? Number(py.stdout.trim()) : NaN;
  console.log(
    `[32,512,64] x [32,64,64], ${threads} threads, median of ${CALLS}: scg torch ${median(ms).toFixed(2)} ms ` +
      `(${faults.toFixed(1)} page faults a call), PyTorch ${Number.isNaN(pyMs) ? 'unavailable' : `${pyMs.toFixed(2)} ms`}`,
  );
  process.exit(0);
})();
