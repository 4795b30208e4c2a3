// The GAN phase's sample grids: the first test captions drawn with fixed noise, recorded as run artifacts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {sha256} from '../core/digest';
import {writeImageGrid} from '../core/image-grid';
import {Rng} from '../core/rng';
import type {EncoderPair} from '../registry/encoders/descriptor';
import type {RunContext} from './phase-loop';
import type {GanTrainer} from './phases/gan-trainer';
import {drawImages} from './sampling';

/** Writes the sample grid of `step`: the first test captions, fixed noise, caption under each image. */
export async function writeSampleGrid(
  ctx: RunContext,
  trainer: GanTrainer,
  enc: EncoderPair,
  step: number,
): Promise<string> {
  const test = ctx.dataset.test;
  const n = Math.min(ctx.config.train.sampleGrid, test.count);
  const drawn = drawImages(
    trainer.model,
    enc,
    trainer.ema,
    test.tokens.slice(0, n).map((caps) => caps[0]!),
    ctx.dataset.maxWords,
    Rng.for(ctx.config.seed, 'sample-grid'),
  );
  const file = path.join(ctx.runDir, 'samples', `train-${String(step).padStart(7, '0')}.png`);
  await writeImageGrid(
    file,
    drawn.images.map((rgb, i) => ({rgb, caption: test.captions[i]![0]!})),
    {
      res: drawn.resolution,
      cellSize: Math.max(96, drawn.resolution),
      title: `${ctx.config.name} · ${ctx.config.backbone.name} · ${ctx.config.contrastive.mode} · step ${step}`,
    },
  );
  const record = (kind: string, f: string) => {
    const data = fs.readFileSync(f);
    ctx.store.addArtifact(ctx.run.id, {phase: 'train', step, kind, path: f, sha256: sha256(data), bytes: data.length});
  };
  record('samples', file);
  if (drawn.masks) {
    const maskFile = path.join(ctx.runDir, 'samples', `masks-${String(step).padStart(7, '0')}.png`);
    await writeImageGrid(
      maskFile,
      drawn.masks.map((rgb, i) => ({rgb, caption: test.captions[i]![0]!})),
      {
        res: drawn.resolution,
        cellSize: Math.max(96, drawn.resolution),
        title: `${ctx.config.name} · predicted masks (white = sentence modulation on) · step ${step}`,
      },
    );
    record('masks', maskFile);
  }
  return file;
}
