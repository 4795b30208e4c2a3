// Comparisons of a one-thread phase model with rank 0 of a data-parallel group, for the data-parallel tests.
import {strict as assert} from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type {PhaseModel} from '../src/runtime/phase-loop';

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-3);

/**
 * After one step of each: every Adam first moment (0.1 × the first gradient) of `rank0` within `tolerance`
 * (relative L2) of `one`'s, skipping gradients that are 0 but for rounding (a bias before batch norm).
 */
export function assertSameFirstGradients(one: PhaseModel, rank0: PhaseModel, tolerance: number): void {
  const ones = one.stateTensors();
  let compared = 0;
  for (const [name, t] of rank0.stateTensors()) {
    if (!name.endsWith('/adam_m')) continue;
    const a = ones.get(name)!.dataSync();
    const b = t.dataSync();
    let diff = 0;
    let norm = 0;
    a.forEach((v, i) => {
      diff += (v - b[i]!) ** 2;
      norm += v * v;
    });
    if (Math.sqrt(norm) < 1e-5) continue;
    compared++;
    assert.ok(Math.sqrt(diff / norm) < tolerance, `${name}: relative gradient difference ${Math.sqrt(diff / norm)}`);
  }
  assert.ok(compared > 4, `only ${compared} gradients compared`);
}

/** `steps` steps of both: the same loss terms within 2e-3, and rank 0 keeps its tensor count after the first. */
export function assertSameLosses(one: PhaseModel, group: PhaseModel, steps: number): void {
  for (let step = 0; step < steps; step++) {
    const a = one.step(step);
    const tensors = tf.memory().numTensors;
    const b = group.step(step);
    if (step > 0) assert.equal(tf.memory().numTensors, tensors, `rank 0 leaked tensors in data-parallel step ${step}`);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const k of Object.keys(a))
      assert.ok(relDiff(a[k]!, b[k]!) < 2e-3, `step ${step} ${k}: 1 thread ${a[k]}, 2 threads ${b[k]}`);
  }
}
