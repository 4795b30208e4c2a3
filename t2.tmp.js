const tf = require('@tensorflow/tfjs');
(async () => {
  const {initBackend} = require('./dist/src/core/backend.js');
  await initBackend(process.env.B || 'torch');
  const {loadFidInceptionWeights} = require('./dist/src/registry/evaluators/fid-inception/weights.js');
  const {forEachFolderBatch} = require('./dist/src/runtime/folder-metrics.js');
  const {readNpz, parseNpy} = require('./dist/src/core/npz.js');
  const w = loadFidInceptionWeights('/tmp/rand.safetensors');
  const rows = [];
  const t0 = Date.now();
  await forEachFolderBatch('/tmp/fidt/a', w, {batch: 50, skipBad: false, warn: console.log, progress() {}}, (f) => rows.push(...f.arraySync()));
  console.log('scg', rows.length, (Date.now() - t0) / 1000, 's');
  const pt = parseNpy(require('fs').readFileSync('/tmp/pt_feats.npy'), 'pt');
  let worst = 0, scale = 0;
  rows.forEach((r, i) => r.forEach((v, j) => { const p = pt.data[i * 2048 + j]; worst = Math.max(worst, Math.abs(v - p)); scale = Math.max(scale, Math.abs(p)); }));
  console.log('max abs diff', worst, 'max |feature|', scale, 'relative', worst / scale);
})();
