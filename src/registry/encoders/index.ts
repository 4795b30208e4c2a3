// The encoders registry: one line per dual encoder.
import {Registry} from '../registry';
import {clipEncoders} from './clip';
import {damsm} from './damsm';
import type {EncoderDescriptor, TrainedEncoderDescriptor} from './descriptor';
import {tfjsEncoders} from './tfjs';

export const encoders = new Registry<EncoderDescriptor>('encoders', [damsm, tfjsEncoders, clipEncoders]);

/** The entry `name`, which must be one that pretraining trains (the config check keeps the others out of it). */
export function trainedEncoders(name: string): TrainedEncoderDescriptor {
  const entry = encoders.get(name);
  if (entry.kind !== 'trained')
    throw new Error(
      `encoders '${name}' are loaded frozen from files; they cannot be built for training or restored from a checkpoint`,
    );
  return entry;
}
