const tf = require('@tensorflow/tfjs');
(async () => {
  const {initBackend} = require('./dist/src/core/backend.js');
  await initBackend(process.env.B || 'torch');
  const {loadFidInceptionWeights} = require('./dist/src/registry/evaluators/fid-inception/weights.js');
  const {fidInceptionNetwork} = require('./dist/src/registry/evaluators/fid-inception/network.js');
  const w = loadFidInceptionWeights('/tmp/w.safetensors');
  for (const n of [1, 8, 25, 50]) {
    const x = tf.randomUniform([n, 299, 299, 3], -1, 1);
    for (let r = 0; r < 2; r++) {
      const t0 = Date.now();
      const o = fidInceptionNetwork(x, w); o.features.dataSync(); tf.dispose([o.features, o.logits]);
      const ms = Date.now() - t0;
      if (r === 1) console.log(n, ms, 'ms', (n / ms * 1000).toFixed(1), 'img/s');
    }
    x.dispose();
  }
  if (process.env.P) {
    const x = tf.randomUniform([8, 299, 299, 3], -1, 1);
    const prof = await tf.profile(() => { const o = fidInceptionNetwork(x, w); return [o.features, o.logits]; });
    const by = {};
    for (const k of prof.kernels) { by[k.name] = (by[k.name] || 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0); }
    console.log(by);
  }
})();
