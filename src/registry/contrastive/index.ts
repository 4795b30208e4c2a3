// The contrastive loss-mode registry: one line per mode.
import {Registry} from '../registry';
import {ce} from './ce';
import type {ContrastiveMode} from './descriptor';
import {none} from './none';
import {ntxent} from './ntxent';
import {supcon} from './supcon';
import {supconMulti} from './supcon-multi';

export const contrastiveModes = new Registry<ContrastiveMode>('contrastive', [none, ntxent, supcon, supconMulti, ce]);
