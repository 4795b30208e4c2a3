// The eval section's shared keys (whichever evaluator is chosen), with their defaults; evaluators add their own.
import {defineProperties, type Resolved} from '../../core/json-schema';
import {PAPER_PROTOCOL_NAMES} from '../../metrics/paper-protocols';

/** `evaluator`'s list of names and its description come from the registry, in config/schema.ts. */
export const evalSectionProperties = defineProperties({
  every: {
    type: 'integer',
    minimum: 1,
    default: 500,
    description: 'GAN steps between sample grids (and evaluations, with phase eval).',
  },
  samples: {
    type: 'integer',
    minimum: 2,
    default: 500,
    description: 'Generated images per evaluation (captions cycle through the test split).',
  },
  evaluator: {type: 'string', default: 'builtin'},
  protocol: {
    type: 'string',
    enum: PAPER_PROTOCOL_NAMES,
    description:
      "A paper's evaluation protocol: sets 30,000 samples, the fid-inception evaluator (eval.fidInceptionPath), IS over 10 splits and R-precision against 99 mismatched test captions in 10 folds (DM-GAN's), and checks the dataset (paper-cub: cub with split classes; paper-coco: coco with all val2014 images) and the resolution (256 px; GALIP 224). Unset: scg's own protocol (eval.samples, eval.evaluator). docs/evaluation.md says which papers each follows.",
  },
});

/** The eval section after defaults: the shared keys typed; the evaluators' own keys beside them. */
export type EvalConfig = Resolved<typeof evalSectionProperties> & {[key: string]: unknown};
