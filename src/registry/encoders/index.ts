// The encoders registry: one line per dual encoder.
import {Registry} from '../registry';
import {damsm} from './damsm';
import {EncoderDescriptor} from './descriptor';

export const encoders = new Registry<EncoderDescriptor>('encoders', [damsm]);
