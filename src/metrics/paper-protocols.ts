// The evaluation protocols of the text-to-image papers, as presets: what `eval.protocol: paper-cub | paper-coco` sets.

export interface PaperProtocol {
  name: string;
  /** The dataset it applies to. */
  dataset: 'cub' | 'coco';
  /** Generated images per evaluation. */
  samples: number;
  /** Feature network: pytorch-fid's FID Inception (the TF 2015-12-05 graph). */
  evaluator: 'fid-inception';
  /** The image size the papers generate at: 256 px (AttnGAN, DM-GAN, SSA-GAN, DF-GAN); GALIP generates 224 px. */
  resolutionFor(backbone: string): number;
  /** R-precision: captions ranked per image (its own + mismatched ones) and folds for mean ± std. */
  rPrecision: {mismatched: number; folds: number};
  /** IS splits. */
  isSplits: number;
  /** Which papers' numbers this protocol can stand beside, and what it fixes. */
  follows: string;
}

const common = {
  samples: 30000,
  evaluator: 'fid-inception',
  resolutionFor: (backbone: string) => (backbone === 'galip' ? 224 : 256),
  rPrecision: {mismatched: 99, folds: 10},
  isSplits: 10,
} as const;

export const PAPER_PROTOCOLS: Readonly<Record<string, PaperProtocol>> = {
  'paper-cub': {
    ...common,
    name: 'paper-cub',
    dataset: 'cub',
    follows:
      "CUB as AttnGAN, DM-GAN, SSA-GAN, DF-GAN and GALIP report it: 30,000 images generated from the captions of the 50 test classes (split: classes), FID against those classes' 2,933 real images with pytorch-fid's Inception, IS over 10 splits, R-precision with 99 mismatched captions in 10 folds",
  },
  'paper-coco': {
    ...common,
    name: 'paper-coco',
    dataset: 'coco',
    follows:
      "COCO as AttnGAN, DM-GAN, SSA-GAN, DF-GAN and GALIP report it: 30,000 images generated from val2014 captions, FID against all 40,504 val2014 images with pytorch-fid's Inception, IS over 10 splits, R-precision with 99 mismatched captions in 10 folds",
  },
};

export const PAPER_PROTOCOL_NAMES = Object.keys(PAPER_PROTOCOLS);
