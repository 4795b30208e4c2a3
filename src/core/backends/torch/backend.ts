// The tfjs KernelBackend whose tensors live in libtorch: data ids map to addon handles; data crosses on read only.
import * as tf from '@tensorflow/tfjs';
import type {Handle, TorchAddon} from './addon';

export const TORCH_BACKEND = 'torch';

interface Entry {
  t: Handle;
  refCount: number;
}

const DTYPE_CODES: Partial<Record<tf.DataType, number>> = {float32: 0, int32: 1, bool: 2};

/** The addon's code for a tfjs dtype; string and complex tensors have no torch form here. */
export function dtypeCode(dtype: tf.DataType): number {
  const code = DTYPE_CODES[dtype];
  if (code === undefined)
    throw new Error(`torch backend: dtype ${dtype} is not supported (float32, int32 and bool are)`);
  return code;
}

function typedFor(values: tf.backend_util.BackendValues, dtype: tf.DataType): ArrayBufferView {
  if (dtype === 'float32')
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  if (dtype === 'bool') return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>);
  throw new Error(`torch backend: dtype ${dtype} is not supported (float32, int32 and bool are)`);
}

export class TorchBackend extends tf.KernelBackend {
  private readonly data: tf.DataStorage<Entry>;

  constructor(readonly addon: TorchAddon) {
    super();
    this.data = new tf.DataStorage<Entry>(this, tf.engine());
  }

  /** The libtorch handle behind a tensor (moving it here from another backend first, as tfjs does). */
  handle(info: tf.TensorInfo): Handle {
    return this.data.get(info.dataId).t;
  }

  /** Registers a handle made by the addon as a new tensor of this backend. */
  output(t: Handle, shape: number[], dtype: tf.DataType): tf.TensorInfo {
    const dataId = {};
    this.data.set(dataId, {t, refCount: 1});
    return {dataId, shape, dtype};
  }

  /** Like `output`, with the shape read back from libtorch (for kernels whose output shape JS does not compute). */
  outputOf(t: Handle, dtype: tf.DataType): tf.TensorInfo {
    return this.output(t, this.addon.Shape(t), dtype);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object {
    const dataId = {};
    this.data.set(dataId, {t: this.addon.FromArray(typedFor(values, dtype), shape, dtypeCode(dtype)), refCount: 1});
    return dataId;
  }

  override move(
    dataId: object,
    values: tf.backend_util.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    this.data.set(dataId, {t: this.addon.FromArray(typedFor(values, dtype), shape, dtypeCode(dtype)), refCount});
  }

  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    const vals =
      values ??
      (dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size));
    return {dataId: this.write(vals, shape, dtype), shape, dtype};
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    return this.addon.ToArray(this.data.get(dataId).t);
  }

  override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  /**
   * Adam's update of `param` and its moments `m`, `v` in place, in one native call (nn/adam.ts has the rule and
   * `h` its numbers). Returns false, changing nothing, when one of the three shares its data with another tensor
   * (a clone) or a tensor is not float32: the caller then takes the tensor path, which leaves such tensors alone.
   */
  adamInPlace(
    param: tf.TensorInfo,
    grad: tf.TensorInfo,
    m: tf.TensorInfo,
    v: tf.TensorInfo,
    h: {lr: number; beta1: number; beta2: number; bc1: number; bc2: number; eps: number},
  ): boolean {
    if ([param, grad, m, v].some((t) => t.dtype !== 'float32')) return false;
    if ([param, m, v].some((t) => this.refCount(t.dataId) !== 1)) return false;
    const [p, g, mh, vh] = [param, grad, m, v].map((t) => this.handle(t)) as [Handle, Handle, Handle, Handle];
    return this.addon.AdamInPlace(p, g, mh, vh, h.lr, h.beta1, h.beta2, h.bc1, h.bc2, h.eps);
  }

  override refCount(dataId: object): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: object): void {
    this.data.get(dataId).refCount++;
  }

  override disposeData(dataId: object, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const entry = this.data.get(dataId);
    entry.refCount--;
    if (!force && entry.refCount > 0) return false;
    this.addon.Free(entry.t);
    this.data.delete(dataId);
    return true;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override memory(): {unreliable: boolean} {
    return {unreliable: false};
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const start = performance.now();
    f();
    this.addon.Synchronize();
    return {kernelMs: performance.now() - start};
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {
    // Handles are freed one by one through disposeData; the addon's finalizers free whatever is left.
  }
}
