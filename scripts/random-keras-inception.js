#!/usr/bin/env node
// Writes Keras' InceptionV3 layout with seeded random weights as a tfjs layers folder (what encoders.inceptionPath
// and eval.inceptionPath take), for timing the inception-v3 encoder without the ImageNet download. Needs `npm run build`.
//   node scripts/random-keras-inception.js /tmp/inception-random
const path = require('node:path');
const {kerasInceptionV3} = require('../dist/test/keras-inception-v3');
const {saveLayersModel} = require('../dist/src/core/model-files');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/random-keras-inception.js <folder>');
  process.exit(2);
}
(async () => {
  const model = kerasInceptionV3();
  await saveLayersModel(model, path.resolve(dir));
  console.log(`${dir}: Keras InceptionV3 layout, ${model.countParams()} parameters, random weights`);
  model.dispose();
})();
