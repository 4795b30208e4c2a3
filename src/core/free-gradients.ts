// Frees each op's output gradient as soon as backprop has used it: tfjs keeps every intermediate gradient alive
// until the whole backward pass ends, so a step held its activations and all their gradients at once.
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs' engine this patch touches (present in tfjs-core 4.x, not in its public types). */
interface TapeNode {
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}
interface PatchableEngine {
  state: {activeTape: TapeNode[] | null; gradientDepth: number};
  addTapeNode(...args: unknown[]): void;
  gradients(...args: unknown[]): unknown;
}

let installed = false;

/**
 * Patches the engine (once per process). Backprop walks the tape from the last op to the first, and an op's output
 * gradients (its `dys`) are read only when that op is reached, so once the next op is reached they are dead. They
 * are freed then, except:
 * - while a tape records the backward pass itself (`gradientDepth > 0`: a gradient of a gradient, MA-GP's), since
 *   that tape keeps them as inputs of its own backward;
 * - the gradient that seeds a backward pass (the caller's `dy`, or ones), which the caller may own;
 * - a dy that an op's gradient hands on unchanged as an input's gradient (the same tensor object).
 * Values do not change: only when tensors are freed does.
 */
export function installGradientFreeing(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as PatchableEngine;
  let pending: tf.Tensor[] = [];
  let seed = false;

  const gradients = engine.gradients.bind(engine);
  engine.gradients = (...args: unknown[]) => {
    pending = [];
    seed = true;
    try {
      return gradients(...args);
    } finally {
      pending = []; // what is left belongs to the backward pass's scope, which frees it
    }
  };

  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]) => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    const node = tape?.[tape.length - 1];
    const original = node?.gradient;
    if (!node || !original) return;
    node.gradient = (dys: tf.Tensor[]) => {
      if (engine.state.gradientDepth > 0) return original(dys);
      for (const t of pending) t.dispose(); // the previous op's dys: every use of them is done
      pending = [];
      const grads = original(dys);
      if (seed) {
        seed = false; // the first op reached holds the seed
        return grads;
      }
      const mine = dys.filter((d): d is tf.Tensor => d != null);
      const handedOn = new Set<tf.Tensor>();
      pending = mine;
      const wrapped: Record<string, () => tf.Tensor> = {};
      for (const [name, lazy] of Object.entries(grads)) {
        wrapped[name] = () => {
          const dx = lazy();
          if (mine.includes(dx)) {
            handedOn.add(dx);
            pending = pending.filter((t) => !handedOn.has(t));
          }
          return dx;
        };
      }
      return wrapped;
    };
  };
}
