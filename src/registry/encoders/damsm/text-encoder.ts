// DAMSM text encoder: word embedding → bidirectional LSTM → word features and a sentence feature.
import * as tf from '@tensorflow/tfjs';
import type {BatchRows} from '../descriptor';
import {dense, type Dense, type ParamSet} from '../../../nn/params';
import {ScgError} from '../../../errors';

export interface TextEncoderOptions {
  vocabSize: number;
  wordDim: number;
  /** Size of word and sentence features; each LSTM direction has embedDim/2 units. */
  embedDim: number;
  dropout: number;
}

export interface TextCodes {
  /** `[batch, maxWords, embedDim]`, zero at padding. */
  words: tf.Tensor3D;
  /** `[batch, embedDim]`: last forward state ‖ last backward state. */
  sentence: tf.Tensor2D;
}

interface Direction {
  input: Dense;
  hidden: Dense;
}

/**
 * AttnGAN's RNN_ENCODER structure: embedding (uniform ±0.1 init), dropout, a one-layer BiLSTM that skips
 * padding (the backward direction starts at each caption's last real word, as packed sequences do).
 */
export class TextEncoder {
  readonly embedding: tf.Variable;
  private readonly fwd: Direction;
  private readonly bwd: Direction;
  readonly hidden: number;

  constructor(
    params: ParamSet,
    readonly opts: TextEncoderOptions,
  ) {
    if (opts.embedDim % 2 !== 0)
      throw new ScgError(
        'BAD_INPUT',
        `encoders.embedDim: the bidirectional text encoder needs an even size, got ${opts.embedDim}`,
        {hint: 'each direction gets half of it'},
      );
    this.hidden = opts.embedDim / 2;
    this.embedding = params.uniform('embedding', [opts.vocabSize, opts.wordDim], 0.1);
    const bound = 1 / Math.sqrt(this.hidden);
    const direction = (name: string): Direction => ({
      input: {
        w: params.uniform(`${name}/w_ih`, [opts.wordDim, 4 * this.hidden], bound),
        b: params.uniform(`${name}/b`, [4 * this.hidden], bound),
      },
      hidden: {w: params.uniform(`${name}/w_hh`, [this.hidden, 4 * this.hidden], bound), b: undefined},
    });
    this.fwd = direction('lstm_fwd');
    this.bwd = direction('lstm_bwd');
  }

  /**
   * @param tokens `[batch, T]` int32 word ids (0 = padding)
   * @param mask `[batch, T]` 1 for real words, 0 for padding
   * @param dropoutSeed seed for embedding dropout; `undefined` means inference (no dropout)
   * @param place in a data-parallel step, these rows' places in the whole batch (the dropout mask is the whole batch's)
   */
  encode(tokens: tf.Tensor2D, mask: tf.Tensor2D, dropoutSeed?: number, place?: BatchRows): TextCodes {
    const [batch, steps] = tokens.shape;
    let emb = tf.gather(this.embedding, tokens) as tf.Tensor3D;
    if (dropoutSeed !== undefined && this.opts.dropout > 0) {
      if (!place) emb = tf.dropout(emb, this.opts.dropout, undefined, dropoutSeed) as tf.Tensor3D;
      else {
        // tf.dropout's own mask, drawn for the whole batch: keep = floor(u + keepProb) / keepProb.
        const keepProb = 1 - this.opts.dropout;
        const u = tf.randomUniform([place.total, steps, emb.shape[2]], 0, 1, 'float32', dropoutSeed);
        emb = tf.mul(emb, tf.gather(tf.div(tf.floor(tf.add(u, keepProb)), keepProb), place.rows)) as tf.Tensor3D;
      }
    }
    const run = (dir: Direction, order: number[]) => {
      const xProj = dense(emb, dir.input) as tf.Tensor3D; // [B, T, 4H] for all steps at once
      let h = tf.zeros([batch, this.hidden]) as tf.Tensor2D;
      let c = tf.zeros([batch, this.hidden]) as tf.Tensor2D;
      const outputs: tf.Tensor2D[] = new Array(steps);
      for (const t of order) {
        const m = tf.slice(mask, [0, t], [batch, 1]);
        const gates = tf.add(
          tf.reshape(tf.slice(xProj, [0, t, 0], [batch, 1, 4 * this.hidden]), [batch, 4 * this.hidden]),
          tf.matMul(h, dir.hidden.w),
        );
        const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const cNew = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        const hNew = tf.mul(tf.sigmoid(o), tf.tanh(cNew));
        // Padding keeps the previous state, so each direction effectively sees only the real words.
        c = tf.add(tf.mul(m, cNew), tf.mul(tf.sub(1, m), c));
        h = tf.add(tf.mul(m, hNew), tf.mul(tf.sub(1, m), h));
        outputs[t] = tf.mul(hNew, m);
      }
      return {outputs: tf.stack(outputs, 1) as tf.Tensor3D, last: h};
    };
    const forward = run(
      this.fwd,
      Array.from({length: steps}, (_, t) => t),
    );
    const backward = run(
      this.bwd,
      Array.from({length: steps}, (_, t) => steps - 1 - t),
    );
    return {
      words: tf.concat([forward.outputs, backward.outputs], 2),
      sentence: tf.concat([forward.last, backward.last], 1),
    };
  }
}
