// Orthogonal initialisation: orthonormal rows or columns in PyTorch's layout, and AttnGAN's init through ParamSet.
import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import {useBestBackend} from '../../test/support';
import {loadConfigText} from '../config/load';
import {Rng} from '../core/rng';
import {loadAddon} from '../core/backends/torch/addon';
import {orthogonalMatrix} from './orthogonal';
import {ParamSet} from './params';
import {backbones} from '../registry';

/** Max |A·Aᵀ − I| over the rows of a row-major `rows × cols` matrix (`byRows`), or of Aᵀ·A over its columns. */
function offIdentity(a: ArrayLike<number>, rows: number, cols: number, byRows: boolean): number {
  const [n, len] = byRows ? [rows, cols] : [cols, rows];
  const at = (v: number, k: number) => (byRows ? a[v * cols + k]! : a[k * cols + v]!);
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += at(i, k) * at(j, k);
      worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
    }
  return worst;
}

describe('orthogonal initialisation', () => {
  before(useBestBackend);

  it('has orthonormal rows when rows ≤ cols and orthonormal columns otherwise; the seed fixes it', () => {
    for (const [rows, cols] of [
      [4, 9],
      [9, 4],
      [6, 6],
      [1, 5],
    ] as [number, number][]) {
      const q = orthogonalMatrix(rows, cols, Rng.for(3, 'orth'));
      assert.ok(offIdentity(q, rows, cols, rows <= cols) < 1e-12, `${rows}×${cols}`);
      assert.deepEqual(orthogonalMatrix(rows, cols, Rng.for(3, 'orth')), q);
    }
    assert.notDeepEqual(orthogonalMatrix(6, 6, Rng.for(4, 'orth')), orthogonalMatrix(6, 6, Rng.for(3, 'orth')));
  });

  it("ParamSet 'attngan': conv weights orthonormal as PyTorch's [out, in·k·k], dense [out, in], biases and BN as AttnGAN's", () => {
    const p = new ParamSet('g', Rng.for(0, 'init'));
    p.init = 'attngan';
    const child = p.scope('block');
    const [k, inCh, outCh] = [3, 4, 5];
    const c = child.conv('c', k, inCh, outCh);
    const w = c.w.dataSync();
    // back to PyTorch's flattened [out, in·kh·kw]: rows are orthonormal (5 ≤ 36)
    const pt = new Float64Array(outCh * inCh * k * k);
    for (let o = 0; o < outCh; o++)
      for (let i = 0; i < inCh; i++)
        for (let y = 0; y < k; y++)
          for (let x = 0; x < k; x++)
            pt[o * inCh * k * k + (i * k + y) * k + x] = w[((y * k + x) * inCh + i) * outCh + o]!;
    assert.ok(offIdentity(pt, outCh, inCh * k * k, true) < 1e-5);
    const dns = child.dense('d', 7, 3);
    const dw = dns.w.dataSync(); // [in 7, out 3]: its columns are PyTorch's rows
    assert.ok(offIdentity(dw, 7, 3, false) < 1e-5);
    assert.ok(Array.from(dns.b!.dataSync()).every((v) => v === 0));
    const bn = child.batchNorm('bn', 64);
    const g = Array.from(bn.gamma.dataSync());
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const sd = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length);
    assert.ok(Math.abs(mean - 1) < 0.01 && sd > 0.01 && sd < 0.03, `N(1, 0.02): mean ${mean}, sd ${sd}`);
    assert.ok(Array.from(bn.beta.dataSync()).every((v) => v === 0));
    p.dispose();
  });

  it(
    "libtorch's QR gives the JavaScript Q, tall and wide",
    {skip: loadAddon().ok ? false : 'the torch addon is not built here'},
    () => {
      for (const [rows, cols] of [
        [300, 120],
        [120, 300],
      ] as [number, number][]) {
        const js = orthogonalMatrix(rows, cols, Rng.for(5, 'orth'), false);
        const native = orthogonalMatrix(rows, cols, Rng.for(5, 'orth'));
        let worst = 0;
        for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(js[i]! - native[i]!));
        assert.ok(worst < 1e-10, `${rows}×${cols}: largest difference ${worst}`);
        assert.ok(offIdentity(native, rows, cols, rows <= cols) < 1e-12);
      }
    },
  );

  it("AttnGAN and DM-GAN take AttnGAN's weights_init by default (backbone.init: attngan; uniform keeps PyTorch's)", async () => {
    for (const name of ['attngan', 'dmgan']) {
      const load = (sets: string[]) => loadConfigText('name: x\n', 'x.yaml', [`backbone=${name}`, ...sets]).config;
      assert.equal(load([]).backbone['init'], 'attngan');
      const config = load(['backbone.init=attngan', 'backbone.width=4', 'backbone.dWidth=4', 'dataset.resolution=16']);
      const [g, d] = [new ParamSet('g', Rng.for(0, 'g')), new ParamSet('d', Rng.for(0, 'd'))];
      backbones.get(name).build(config.backbone, {resolution: 16, embedDim: 8, g, d, encoders: undefined as never});
      assert.equal(g.init, 'attngan');
      assert.equal(d.init, 'attngan');
      const gammas = [...g.variables]
        .filter(([k]) => k.endsWith('/gamma'))
        .flatMap(([, v]) => Array.from(v.dataSync()));
      assert.ok(gammas.length > 0 && gammas.some((v) => v !== 1), 'batch-norm scales drawn from N(1, 0.02)');
      g.dispose();
      d.dispose();
    }
  });
});
