// What a backbone registry entry provides: its config keys (model knobs) and, with the GAN phase, its builder.
import {Descriptor} from '../registry';

export interface BackboneConfig {
  name: string;
  [key: string]: unknown;
}

export type BackboneDescriptor = Descriptor;
