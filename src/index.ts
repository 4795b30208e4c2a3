// scg's library entry: the loss and metric functions, usable from TypeScript without the CLI.
export {supConLoss} from './losses/supcon';
export type {SupConOptions} from './losses/supcon';
export {ntXentLoss} from './losses/ntxent';
export {labelCrossEntropyLoss} from './losses/label-cross-entropy';
export {frechetDistance, frechetDistanceFromStats} from './metrics/frechet';
export type {FrechetResult} from './metrics/frechet';
export {inceptionScore} from './metrics/inception-score';
export {rPrecision} from './metrics/r-precision';
export {factorAccuracy, labelAccuracy} from './metrics/label-accuracy';
export {nearestCentroidAccuracy} from './metrics/centroid-probe';
export {InputError, ScgError} from './errors';
export {initBackend} from './core/backend';
export type {BackendInfo, BackendChoice} from './core/backend';
