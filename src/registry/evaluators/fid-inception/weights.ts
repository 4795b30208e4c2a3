// Loads the FID Inception's weights from a safetensors file with pytorch-fid's state_dict names, checks every
// name and shape against the layout, and folds each batch norm into its conv (NHWC filter + bias).
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {type NamedTensor, readSafetensors} from '../../../core/safetensors';
import {ScgError} from '../../../errors';
import {allConvs, BN_EPS, BN_KEYS, type ConvSpec, expectedTensors} from './layout';

/** One BasicConv2d ready to run: HWIO filter scaled by the batch norm, and the norm's shift as bias. */
export interface FoldedConv {
  spec: ConvSpec;
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface FidInceptionWeights {
  convs: Map<string, FoldedConv>;
  /** fc.weight transposed: [2048, 1008]. */
  fcWeight: tf.Tensor2D;
  fcBias: tf.Tensor1D;
  sha256: string;
  /** Float tensors and their values, as checked on load. */
  tensorCount: number;
  valueCount: number;
}

/** Where scripts/convert-pt-inception.py writes the weights by default ($SCG_FID_INCEPTION overrides). */
export function defaultFidInceptionPath(): string {
  return (
    process.env['SCG_FID_INCEPTION'] ??
    path.join(os.homedir(), '.cache', 'scg', 'pt_inception-2015-12-05-6726825d.safetensors')
  );
}

const HINT =
  "the file must hold pytorch-fid's FID Inception state_dict (pt_inception-2015-12-05); write it with scripts/convert-pt-inception.py";

/** Checks names and shapes: a missing, extra or misshaped tensor is BAD_INPUT naming it. */
export function checkTensors(tensors: Map<string, NamedTensor>, file: string, what: string): void {
  const expected = expectedTensors();
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw new ScgError('BAD_INPUT', `${what}: ${file} has no tensor ${name} (shape [${shape}])`, {hint: HINT});
    if (t.dtype !== 'F32' || t.shape.join() !== shape.join())
      throw new ScgError(
        'BAD_INPUT',
        `${what}: ${file}: tensor ${name} is ${t.dtype} [${t.shape}], expected F32 [${shape}]`,
        {hint: HINT},
      );
  }
  for (const name of tensors.keys()) {
    if (expected.has(name)) continue;
    const counter =
      name.endsWith('.bn.num_batches_tracked') && expected.has(name.replace(/num_batches_tracked$/, 'weight'));
    if (!counter)
      throw new ScgError('BAD_INPUT', `${what}: ${file} has a tensor ${name} that the FID Inception does not have`, {
        hint: HINT,
      });
  }
}

/** conv.weight [O, I, kh, kw] × γ/√(var+ε) per output channel, as [kh, kw, I, O]; bias β − mean·γ/√(var+ε). */
export function foldConv(spec: ConvSpec, get: (key: string) => Float32Array): FoldedConv {
  const [o, i, kh, kw] = [spec.outChannels, spec.inChannels, spec.kernel[0], spec.kernel[1]];
  const w = get(`${spec.name}.conv.weight`);
  const [gamma, beta, mean, variance] = BN_KEYS.map((k) => get(`${spec.name}.bn.${k}`));
  const filter = new Float32Array(w.length);
  const bias = new Float32Array(o);
  for (let oc = 0; oc < o; oc++) {
    const scale = gamma![oc]! / Math.sqrt(variance![oc]! + BN_EPS);
    bias[oc] = beta![oc]! - mean![oc]! * scale;
    for (let ic = 0; ic < i; ic++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          filter[((y * kw + x) * i + ic) * o + oc] = w[((oc * i + ic) * kh + y) * kw + x]! * scale;
  }
  return {spec, filter: tf.tensor4d(filter, [kh, kw, i, o]), bias: tf.tensor1d(bias)};
}

/** Reads, checks and folds the weights; the tensors stay alive until `disposeWeights`. */
export function loadFidInceptionWeights(file: string, what = 'eval.fidInceptionPath'): FidInceptionWeights {
  const {tensors, sha256} = readSafetensors(file, what);
  checkTensors(tensors, file, what);
  const get = (key: string) => tensors.get(key)!.data as Float32Array;
  const convs = new Map(allConvs().map((c) => [c.name, foldConv(c, get)]));
  const fc = tf.tidy(() =>
    tf.transpose(tf.tensor2d(get('fc.weight'), tensors.get('fc.weight')!.shape as [number, number])),
  );
  let valueCount = 0;
  let tensorCount = 0;
  for (const name of expectedTensors().keys()) {
    tensorCount++;
    valueCount += get(name).length;
  }
  return {
    convs,
    fcWeight: fc as tf.Tensor2D,
    fcBias: tf.tensor1d(get('fc.bias')),
    sha256,
    tensorCount,
    valueCount,
  };
}

export function disposeWeights(w: FidInceptionWeights): void {
  for (const c of w.convs.values()) tf.dispose([c.filter, c.bias]);
  tf.dispose([w.fcWeight, w.fcBias]);
}
