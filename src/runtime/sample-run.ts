// Draws images for a caption from a trained run: its vocabulary, frozen encoders and a GAN checkpoint.
import {ScgError} from '../errors';
import {writeImageGrid} from '../core/image-grid';
import {Store} from '../store/store';
import {initBackend} from '../core/backend';
import {Rng} from '../core/rng';
import {drawImages} from './sampling';
import {loadTrainedGenerator} from './trained-generator';

export interface SampleOptions {
  dbPath: string;
  run: string;
  text: string;
  n: number;
  seed: number;
  step?: number | undefined;
  out: string;
}

export interface SampleResult {
  runId: string;
  step: number;
  out: string;
  unknownWords: string[];
  width: number;
  height: number;
}

export async function sampleFromRun(opts: SampleOptions): Promise<SampleResult> {
  if (opts.text.trim() === '')
    throw new ScgError('BAD_INPUT', '--text is empty', {hint: 'describe the image, e.g. --text "a large red circle"'});
  const store = Store.openExisting(opts.dbPath);
  try {
    const run = store.requireRun(opts.run);
    await initBackend('auto');
    const gen = await loadTrainedGenerator(store, run, opts.step);
    try {
      const encoded = gen.pre.vocab.encode(opts.text, gen.config.dataset.maxWords);
      const captions = Array.from({length: opts.n}, () => encoded.ids);
      const drawn = drawImages(
        gen.model,
        gen.pre.encoders,
        gen.ema,
        captions,
        gen.config.dataset.maxWords,
        Rng.for(opts.seed, 'sample'),
      );
      const size = await writeImageGrid(
        opts.out,
        drawn.images.map((rgb) => ({rgb, caption: opts.text})),
        {
          res: drawn.resolution,
          cellSize: Math.max(96, drawn.resolution),
          title: `run ${run.id} · step ${gen.checkpoint.step} · seed ${opts.seed}`,
        },
      );
      return {runId: run.id, step: gen.checkpoint.step, out: opts.out, unknownWords: encoded.unknown, ...size};
    } finally {
      gen.dispose();
    }
  } finally {
    store.close();
  }
}
