// The backbones registry: one line per text-to-image GAN.
import {Registry} from '../registry';
import {attngan} from './attngan';
import type {BackboneDescriptor} from './descriptor';
import {dmgan} from './dmgan';
import {galip} from './galip';
import {ssagan} from './ssagan';

export const backbones = new Registry<BackboneDescriptor>('backbones', [attngan, dmgan, ssagan, galip]);
