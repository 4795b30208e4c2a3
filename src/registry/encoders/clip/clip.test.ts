// The `clip` entry against a plain float64 CLIP written in the test, on a tiny random Hugging Face folder.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {encodeSafetensors, type NamedTensor} from '../../../core/safetensors';
import {ScgError} from '../../../errors';
import {Vocabulary} from '../../../text/vocabulary';
import {TEST_BACKENDS, seededValues, useBackend} from '../../../../test/support';
import {type TinyClipOptions, writeTinyClip} from '../../../../test/tiny-clip';
import {encoders} from '..';
import {clipSequences, loadClipEncoders} from '.';
import {readClipFolder} from './folder';

type Rows = number[][];

/** The reference: CLIP's forward pass written out in loops over the file's PyTorch-layout arrays. */
class Reference {
  constructor(
    private readonly w: Map<string, NamedTensor>,
    private readonly o: Required<TinyClipOptions>,
  ) {}
  private a(key: string): Float32Array {
    return this.w.get(key)!.data as Float32Array;
  }
  linear(x: Rows, key: string, bias = true): Rows {
    const W = this.a(`${key}.weight`);
    const b = bias ? this.a(`${key}.bias`) : undefined;
    const inDim = x[0]!.length;
    const outDim = W.length / inDim;
    return x.map((row) =>
      Array.from({length: outDim}, (_, o) => {
        let s = b ? b[o]! : 0;
        for (let i = 0; i < inDim; i++) s += W[o * inDim + i]! * row[i]!;
        return s;
      }),
    );
  }
  norm(x: Rows, key: string): Rows {
    const g = this.a(`${key}.weight`);
    const b = this.a(`${key}.bias`);
    return x.map((row) => {
      const mean = row.reduce((s, v) => s + v, 0) / row.length;
      const v = row.reduce((s, x) => s + (x - mean) ** 2, 0) / row.length;
      return row.map((x, i) => ((x - mean) / Math.sqrt(v + 1e-5)) * g[i]! + b[i]!);
    });
  }
  block(x: Rows, p: string, heads: number, causal: boolean): Rows {
    const n = x.length;
    const width = x[0]!.length;
    const d = width / heads;
    const h = this.norm(x, `${p}.layer_norm1`);
    const q = this.linear(h, `${p}.self_attn.q_proj`);
    const k = this.linear(h, `${p}.self_attn.k_proj`);
    const v = this.linear(h, `${p}.self_attn.v_proj`);
    const att: Rows = x.map(() => new Array(width).fill(0));
    for (let head = 0; head < heads; head++) {
      for (let i = 0; i < n; i++) {
        const scores: number[] = [];
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let c = head * d; c < (head + 1) * d; c++) s += q[i]![c]! * k[j]![c]!;
          scores.push(causal && j > i ? -Infinity : s / Math.sqrt(d));
        }
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const total = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < n; j++)
          for (let c = head * d; c < (head + 1) * d; c++) att[i]![c]! += (e[j]! / total) * v[j]![c]!;
      }
    }
    const r1 = this.linear(att, `${p}.self_attn.out_proj`).map((row, i) => row.map((v, c) => v + x[i]![c]!));
    const act = (z: number) =>
      this.o.act === 'quick_gelu' ? z / (1 + Math.exp(-1.702 * z)) : 0.5 * z * (1 + erf(z / Math.SQRT2));
    const m = this.linear(
      this.linear(this.norm(r1, `${p}.layer_norm2`), `${p}.mlp.fc1`).map((row) => row.map(act)),
      `${p}.mlp.fc2`,
    );
    return m.map((row, i) => row.map((v, c) => v + r1[i]![c]!));
  }
  /** Token ids (with start and end) → the projected, normed last layer. */
  text(ids: number[]): Rows {
    const tok = this.a('text_model.embeddings.token_embedding.weight');
    const pos = this.a('text_model.embeddings.position_embedding.weight');
    const w = this.o.textWidth;
    let x = ids.map((id, t) => Array.from({length: w}, (_, c) => tok[id * w + c]! + pos[t * w + c]!));
    for (let l = 0; l < this.o.textLayers; l++)
      x = this.block(x, `text_model.encoder.layers.${l}`, this.o.textHeads, true);
    return this.linear(this.norm(x, 'text_model.final_layer_norm'), 'text_projection', false);
  }
  /** Pixels `[H][W][3]` already normalised at the model's size → projected, post-normed last-layer tokens. */
  image(pixels: number[][][]): Rows {
    const {patch: p, visionWidth: w, imageSize} = this.o;
    const grid = imageSize / p;
    const kernel = this.a('vision_model.embeddings.patch_embedding.weight');
    const pos = this.a('vision_model.embeddings.position_embedding.weight');
    const cls = this.a('vision_model.embeddings.class_embedding');
    let x: Rows = [Array.from(cls)];
    for (let gy = 0; gy < grid; gy++)
      for (let gx = 0; gx < grid; gx++)
        x.push(
          Array.from({length: w}, (_, o) => {
            let s = 0;
            for (let ci = 0; ci < 3; ci++)
              for (let ky = 0; ky < p; ky++)
                for (let kx = 0; kx < p; kx++)
                  s += kernel[((o * 3 + ci) * p + ky) * p + kx]! * pixels[gy * p + ky]![gx * p + kx]![ci]!;
            return s;
          }),
        );
    x = this.norm(
      x.map((row, t) => row.map((v, c) => v + pos[t * w + c]!)),
      'vision_model.pre_layrnorm',
    );
    for (let l = 0; l < this.o.visionLayers; l++)
      x = this.block(x, `vision_model.encoder.layers.${l}`, this.o.visionHeads, false);
    return this.linear(this.norm(x, 'vision_model.post_layernorm'), 'visual_projection', false);
  }
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough for the reference's GELU. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

function closeRows(actual: Rows, expected: Rows, what: string, tol = 2e-4): void {
  assert.equal(actual.length, expected.length, `${what}: rows`);
  actual.forEach((row, i) =>
    row.forEach((v, c) => {
      const e = expected[i]![c]!;
      assert.ok(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}][${c}] = ${v}, expected ${e}`);
    }),
  );
}

const vocab = new Vocabulary(['<pad>', '<unk>', 'a', 'red', 'bird', 'small', 'with', 'wings']);
const badInput = (re: RegExp) => (err: unknown) =>
  err instanceof ScgError && err.code === 'BAD_INPUT' && re.test(err.message);

describe('clip encoders', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-clip-'));
  const dir = path.join(root, 'quick');
  const written = writeTinyClip(dir);
  const ref = new Reference(written.weights, written.o);
  const tokenId = (t: string) => written.vocab.indexOf(t);

  it('tokenizes dataset words with the folder BPE and places each word at its last piece', () => {
    const folder = readClipFolder(dir);
    const pieces = vocab.words.map((w, i) => (i < 2 ? [] : folder.tokenizer.encode(w)));
    assert.deepEqual(pieces[3], [tokenId('red</w>')]);
    assert.deepEqual(pieces[4], [tokenId('bird</w>')]);
    assert.deepEqual(pieces[7], [tokenId('wi'), tokenId('n'), tokenId('g'), tokenId('s</w>')]);
    const {ids, end, wordAt} = clipSequences(
      [
        [2, 3, 4, 0],
        [5, 1, 7, 0],
      ],
      pieces,
      folder.tokenizer,
      20,
    );
    const [s, e] = [folder.tokenizer.startId, folder.tokenizer.endId];
    assert.deepEqual(ids[0], [s, tokenId('a</w>'), tokenId('red</w>'), tokenId('bird</w>'), e, 0, 0]);
    assert.deepEqual(ids[1], [s, tokenId('small</w>'), tokenId('wi'), tokenId('n'), tokenId('g'), tokenId('s</w>'), e]);
    assert.deepEqual(end, [4, 6]);
    assert.deepEqual(wordAt, [
      [1, 2, 3, 4],
      [1, 1, 5, 6],
    ]);
    // A context of 5 holds the start, three pieces and the end: 'wings' (4 pieces) is cut, the end token stays.
    const cut = clipSequences([[5, 7, 4]], pieces, folder.tokenizer, 5);
    assert.deepEqual(cut.ids[0], [s, tokenId('small</w>'), tokenId('bird</w>'), e]);
    assert.deepEqual(cut.wordAt[0], [1, 3, 2]);
  });

  for (const backend of TEST_BACKENDS) {
    it(`encodes text and images as the reference does, without leaks (${backend})`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const loaded = await loadClipEncoders(dir, vocab, 'clip');
      const rows = [
        [2, 3, 4, 0],
        [5, 4, 6, 7],
      ];
      const {words, sentence} = tf.tidy(() => {
        const t = loaded.encoders.encodeText(tf.tensor2d(rows, undefined, 'int32'), tf.ones([2, 4]));
        return {words: t.words.arraySync(), sentence: t.sentence.arraySync()};
      });
      const seqs = [
        [
          tokenId('<|startoftext|>'),
          tokenId('a</w>'),
          tokenId('red</w>'),
          tokenId('bird</w>'),
          tokenId('<|endoftext|>'),
        ],
        [
          tokenId('<|startoftext|>'),
          tokenId('small</w>'),
          tokenId('bird</w>'),
          tokenId('wi'),
          tokenId('t'),
          tokenId('h</w>'),
          tokenId('wi'),
          tokenId('n'),
          tokenId('g'),
          tokenId('s</w>'),
          tokenId('<|endoftext|>'),
        ],
      ];
      const states = seqs.map((s) => ref.text(s));
      closeRows(sentence, [states[0]![4]!, states[1]![10]!], 'sentence');
      closeRows(
        words[0]!,
        [1, 2, 3, 4].map((p) => states[0]![p]!),
        'words[0]',
      );
      closeRows(
        words[1]!,
        [1, 2, 5, 9].map((p) => states[1]![p]!),
        'words[1]',
      );

      const side = written.o.imageSize;
      const pixels = seededValues(2 * side * side * 3, 5);
      const {regions, global} = tf.tidy(() => {
        const e = loaded.encoders.encodeImage(tf.tensor4d(pixels, [2, side, side, 3]));
        return {regions: e.regions.arraySync(), global: e.global.arraySync()};
      });
      for (let b = 0; b < 2; b++) {
        const img = Array.from({length: side}, (_, y) =>
          Array.from({length: side}, (_, x) =>
            [0, 1, 2].map((c) => (pixels[((b * side + y) * side + x) * 3 + c]! * 0.5 + 0.5 - MEAN[c]!) / STD[c]!),
          ),
        );
        const expected = ref.image(img);
        closeRows([global[b]!], [expected[0]!], `global[${b}]`);
        closeRows(regions[b]!, expected.slice(1), `regions[${b}]`);
      }
      loaded.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it("maps pixels as GALIP's code does and resizes with nearest neighbours; the stages compose to encodeImage", async () => {
    await useBackend(TEST_BACKENDS[0]!);
    const loaded = await loadClipEncoders(dir, vocab, 'galip');
    const side = written.o.imageSize;
    const big = seededValues(2 * side * 2 * side * 3, 9);
    const {global, staged} = tf.tidy(() => {
      const images = tf.tensor4d(big, [1, 2 * side, 2 * side, 3]);
      const vit = loaded.encoders.vit!;
      let x = vit.tokens(vit.patchMap(images));
      for (let i = 0; i < vit.layers; i++) x = vit.layer(i, x);
      return {global: loaded.encoders.encodeImage(images).global.arraySync(), staged: vit.code(x).arraySync()};
    });
    const img = Array.from({length: side}, (_, y) =>
      Array.from({length: side}, (_, x) =>
        [0, 1, 2].map((c) => {
          const v = big[(2 * y * 2 * side + 2 * x) * 3 + c]!;
          return ((v * 0.5 + 0.5 + 1) * 0.5 - MEAN[c]!) / STD[c]!;
        }),
      ),
    );
    closeRows(global, [ref.image(img)[0]!], 'global');
    closeRows(staged, global, 'vit stages', 1e-6);
    loaded.dispose();
  });

  it('passes gradients through the frozen image tower to the images', async () => {
    await useBackend(TEST_BACKENDS[0]!);
    const loaded = await loadClipEncoders(dir, vocab, 'galip');
    const side = written.o.imageSize;
    const images = tf.tensor4d(seededValues(side * side * 3, 3), [1, side, side, 3]);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(loaded.encoders.encodeImage(x as tf.Tensor4D).global))(images);
    assert.ok(tf.max(tf.abs(grad)).dataSync()[0]! > 0);
    tf.dispose([images, grad]);
    loaded.dispose();
  });

  it('builds GELU towers', async () => {
    await useBackend(TEST_BACKENDS[0]!);
    const gelu = path.join(root, 'gelu');
    const w = writeTinyClip(gelu, {act: 'gelu', seed: 40});
    const r = new Reference(w.weights, w.o);
    const loaded = await loadClipEncoders(gelu, vocab, 'clip');
    const sentence = tf.tidy(() =>
      loaded.encoders.encodeText(tf.tensor2d([[3]], undefined, 'int32'), tf.ones([1, 1])).sentence.arraySync(),
    );
    const ids = [tokenId('<|startoftext|>'), tokenId('red</w>'), tokenId('<|endoftext|>')];
    closeRows(sentence, [r.text(ids)[2]!], 'gelu sentence');
    loaded.dispose();
  });

  it('refuses folders that are not a CLIP model, naming the file and the tensor', () => {
    const missing = path.join(root, 'missing');
    writeTinyClip(missing);
    fs.rmSync(path.join(missing, 'merges.txt'));
    assert.throws(() => readClipFolder(missing), badInput(/merges\.txt does not exist/));
    const heads = path.join(root, 'heads');
    writeTinyClip(heads, {textHeads: 3});
    assert.throws(
      () => readClipFolder(heads),
      badInput(/text_config\.num_attention_heads \(3\) must divide the width 16/),
    );
    const short = path.join(root, 'short');
    const {weights} = writeTinyClip(short);
    weights.delete('vision_model.post_layernorm.bias');
    fs.writeFileSync(path.join(short, 'model.safetensors'), encodeSafetensors(weights));
    assert.throws(() => readClipFolder(short), badInput(/has no tensor vision_model\.post_layernorm\.bias/));
    const entry = encoders.get('clip');
    assert.equal(entry.kind, 'files');
    if (entry.kind === 'files')
      assert.throws(() => entry.checkFiles({name: 'clip', path: missing}), badInput(/merges\.txt/));
  });
});
