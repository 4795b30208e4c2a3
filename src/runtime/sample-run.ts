// Draws images for a caption from a trained run: its vocabulary, frozen encoders and a GAN checkpoint.
import {ExperimentConfig} from '../config/types';
import {ScgError} from '../errors';
import {Ema} from '../nn/ema';
import {ParamSet} from '../nn/params';
import {backbones} from '../registry';
import {writeImageGrid} from '../report/image-grid';
import {Store} from '../store/store';
import {initBackend} from './backend';
import {readCheckpoint, restoreVariables} from './checkpoint';
import {loadPretrainedEncoders} from './pretrained-encoders';
import {Rng} from './rng';
import {drawImages} from './sampling';

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
  if (opts.text.trim() === '') throw new ScgError('BAD_INPUT', '--text is empty', {hint: 'describe the image, e.g. --text "a large red circle"'});
  const store = Store.openExisting(opts.dbPath);
  try {
    const run = store.findRun(opts.run);
    if (!run) throw new ScgError('NOT_FOUND', `no run '${opts.run}' in ${store.file}`, {hint: 'see `scg runs list`'});
    const config = JSON.parse(run.config_json) as ExperimentConfig;
    const ckpts = store.checkpoints(run.id).filter((c) => c.phase === 'train');
    const ckpt = opts.step === undefined ? ckpts[ckpts.length - 1] : ckpts.find((c) => c.step === opts.step);
    if (!ckpt) {
      const have = ckpts.length ? `GAN checkpoints: steps ${ckpts.map((c) => c.step).join(', ')}` : 'no GAN (train) checkpoint';
      throw new ScgError('BAD_INPUT', `run ${run.id} has ${opts.step === undefined ? have : `no GAN checkpoint at step ${opts.step}; ${have}`}`, {
        hint: config.phases.includes('train') ? 'let its train phase reach a checkpoint' : 'this run only pretrained; run a config with phases [pretrain, train]',
      });
    }
    await initBackend(config.runtime.backend === 'cpu' ? 'cpu' : 'auto');
    const pre = loadPretrainedEncoders(store, run, config);
    const encoded = pre.vocab.encode(opts.text, config.dataset.maxWords);
    const g = new ParamSet('g', Rng.for(0, 'unused-init'));
    const d = new ParamSet('d', Rng.for(0, 'unused-init'));
    const model = backbones.get(config.backbone.name).build(config.backbone, {resolution: config.dataset.resolution, embedDim: pre.encoders.embedDim, g, d});
    const ema = model.ema > 0 ? new Ema(g.variables, model.ema) : undefined;
    try {
      const saved = readCheckpoint(ckpt.path, ckpt.sha256);
      restoreVariables(saved, new Map([...g.all(), ...(ema?.stateTensors() ?? [])]), ckpt.path);
      const captions = Array.from({length: opts.n}, () => encoded.ids);
      const drawn = drawImages(model, pre.encoders, ema, captions, config.dataset.maxWords, Rng.for(opts.seed, 'sample'));
      const size = await writeImageGrid(opts.out, drawn.images.map((rgb) => ({rgb, caption: opts.text})), {
        res: drawn.resolution, cellSize: Math.max(96, drawn.resolution), title: `run ${run.id} · step ${ckpt.step} · seed ${opts.seed}`,
      });
      return {runId: run.id, step: ckpt.step, out: opts.out, unknownWords: encoded.unknown, ...size};
    } finally {
      g.dispose();
      d.dispose();
      ema?.dispose();
      pre.params.dispose();
    }
  } finally {
    store.close();
  }
}
