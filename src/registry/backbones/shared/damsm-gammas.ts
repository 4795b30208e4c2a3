// The DAMSM smoothing factors γ1, γ2, γ3 of the GAN phase's DAMSM term, as knobs of each backbone that uses it.
import {defineProperties} from '../../../core/json-schema';

export interface DamsmGammas {
  gamma1: number;
  gamma2: number;
  gamma3: number;
}

/** Schema properties with the original's defaults; `source` names the config they come from. */
export function damsmGammaProperties(defaults: DamsmGammas, source: string) {
  return defineProperties({
    damsmGamma1: {
      type: 'number',
      exclusiveMinimum: 0,
      default: defaults.gamma1,
      description: `GAN-phase DAMSM word-attention sharpness γ1 (${source} GAMMA1: ${defaults.gamma1}).`,
    },
    damsmGamma2: {
      type: 'number',
      exclusiveMinimum: 0,
      default: defaults.gamma2,
      description: `GAN-phase DAMSM word aggregation γ2 (${source} GAMMA2: ${defaults.gamma2}).`,
    },
    damsmGamma3: {
      type: 'number',
      exclusiveMinimum: 0,
      default: defaults.gamma3,
      description: `GAN-phase DAMSM score scale γ3 (${source} GAMMA3: ${defaults.gamma3}).`,
    },
  });
}

/** The γs of a backbone section. */
export function damsmGammasOf(cfg: {damsmGamma1: number; damsmGamma2: number; damsmGamma3: number}): DamsmGammas {
  return {gamma1: cfg.damsmGamma1, gamma2: cfg.damsmGamma2, gamma3: cfg.damsmGamma3};
}
