// The evaluators registry (feature networks for FID / IS): one line per evaluator.
import {Registry} from '../registry';
import {builtin} from './builtin';
import type {EvaluatorDescriptor} from './descriptor';
import {fidInception} from './fid-inception';
import {inceptionV3} from './inception-v3';

export const evaluators = new Registry<EvaluatorDescriptor>('evaluators', [builtin, inceptionV3, fidInception]);
