// The contrastive section's shared keys (every mode reads them), with their defaults; modes add their own beside.
import {defineProperties} from '../../core/json-schema';

/** `mode`'s list of names and its description come from the registry, in config/schema.ts. */
export const contrastiveSectionProperties = defineProperties({
  mode: {type: 'string', default: 'supcon'},
  lambda1: {type: 'number', minimum: 0, default: 1, description: 'Weight of the contrastive term in pretraining (λ1).'},
  lambda2: {
    type: 'number',
    minimum: 0,
    default: 0.2,
    description: 'Weight of the contrastive term in GAN training (λ2).',
  },
  temperature: {type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'SupCon temperature τ (> 0).'},
  baseTemperature: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 0.07,
    description:
      "τ_base: the SupCon loss is scaled by τ/τ_base, SupContrast's convention (its τ_base is 0.07). At τ = 0.1 that is 1.43, so λ1 and λ2 weigh 1.43× the unscaled loss; set it equal to τ for scale 1. The supcon modes use it; ntxent is NT-Xent without the scale.",
  },
  pretrainViews: {
    type: 'array',
    items: {enum: ['image', 'text']},
    minItems: 1,
    uniqueItems: true,
    default: ['image', 'text'],
    description: 'Pretraining views: image = the real image code; text = the sentence codes of both captions.',
  },
  trainViews: {
    type: 'array',
    items: {enum: ['image', 'text']},
    minItems: 1,
    uniqueItems: true,
    default: ['image'],
    description: "GAN-phase views: image = codes of the two branches' fakes; text = the two sentence codes.",
  },
});
