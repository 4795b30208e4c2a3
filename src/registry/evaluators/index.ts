// The evaluators registry (feature networks for FID / IS / R-precision). Entries arrive with the evaluation work.
import {Descriptor} from '../registry';
import {Registry} from '../registry';

export type EvaluatorDescriptor = Descriptor;

export const evaluators = new Registry<EvaluatorDescriptor>('evaluators', []);
