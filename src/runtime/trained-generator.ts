// A trained generator as stored by a run: its frozen encoders and vocabulary, G (and its moving average)
// restored from a GAN checkpoint. Used by sampling and evaluation of finished runs.
import {storedConfig} from '../config/load';
import type {ExperimentConfig} from '../config/types';
import {ScgError} from '../errors';
import {Ema} from '../nn/ema';
import {ParamSet} from '../nn/params';
import {backbones} from '../registry';
import type {GanModel} from '../registry/backbones/descriptor';
import type {CheckpointRow, RunRow, Store} from '../store/store';
import {readCheckpoint, restoreVariables} from '../core/checkpoint';
import {loadPretrainedEncoders, type PretrainedEncoders} from './pretrained-encoders';
import {Rng} from '../core/rng';

export interface TrainedGenerator {
  config: ExperimentConfig;
  checkpoint: CheckpointRow;
  model: GanModel;
  ema: Ema | undefined;
  pre: PretrainedEncoders;
  dispose(): void;
}

/** Loads the GAN checkpoint of `step` (default: the latest); no checkpoint is a BAD_INPUT error. */
export async function loadTrainedGenerator(store: Store, run: RunRow, step?: number): Promise<TrainedGenerator> {
  const config = storedConfig(run.config_json);
  const ckpts = store.checkpoints(run.id).filter((c) => c.phase === 'train');
  const ckpt = step === undefined ? ckpts[ckpts.length - 1] : ckpts.find((c) => c.step === step);
  if (!ckpt) {
    const have = ckpts.length
      ? `GAN checkpoints: steps ${ckpts.map((c) => c.step).join(', ')}`
      : 'no GAN (train) checkpoint';
    throw new ScgError(
      'BAD_INPUT',
      `run ${run.id} has ${step === undefined ? have : `no GAN checkpoint at step ${step}; ${have}`}`,
      {
        hint: config.phases.includes('train')
          ? 'let its train phase reach a checkpoint'
          : 'this run only pretrained; run a config with phases [pretrain, train]',
      },
    );
  }
  const pre = await loadPretrainedEncoders(store, run, config);
  const g = new ParamSet('g', Rng.for(0, 'unused-init'));
  const d = new ParamSet('d', Rng.for(0, 'unused-init'));
  const model = backbones.get(config.backbone.name).build(config.backbone, {
    resolution: config.dataset.resolution,
    embedDim: pre.encoders.embedDim,
    g,
    d,
    encoders: pre.encoders,
  });
  const ema = model.ema > 0 ? new Ema(g.variables, model.ema) : undefined;
  const dispose = () => {
    g.dispose();
    d.dispose();
    ema?.dispose();
    pre.dispose();
  };
  try {
    restoreVariables(
      readCheckpoint(ckpt.path, ckpt.sha256),
      new Map([...g.all(), ...(ema?.stateTensors() ?? [])]),
      ckpt.path,
    );
  } catch (err) {
    dispose();
    throw err;
  }
  return {config, checkpoint: ckpt, model, ema, pre, dispose};
}
