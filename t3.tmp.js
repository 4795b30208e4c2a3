const tf = require('@tensorflow/tfjs');
(async () => {
  const {initBackend} = require('./dist/src/core/backend.js');
  await initBackend(process.env.B || 'torch');
  const {loadFidInceptionWeights} = require('./dist/src/registry/evaluators/fid-inception/weights.js');
  const {folderStats} = require('./dist/src/runtime/folder-metrics.js');
  const w = loadFidInceptionWeights('/tmp/rand.safetensors');
  const t0 = Date.now();
  const s = await folderStats(process.argv[2], w, {batch: 50, skipBad: false, warn: console.log, progress() {}});
  const sec = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({images: s.images, seconds: sec, img_per_s: s.images / sec}));
})();
