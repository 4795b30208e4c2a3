// The layout of pytorch-fid's FID Inception (torchvision's Inception3 with the FID blocks): every conv's
// state_dict name and shape, block by block, so the loader can check a weights file and the network can run it.

/** One torchvision BasicConv2d: conv without bias, batch norm (eps 0.001), ReLU. */
export interface ConvSpec {
  /** state_dict prefix, e.g. `Mixed_5b.branch5x5_2`. */
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: number;
  /** Zero padding per side (PyTorch's `padding`); every padded conv here has stride 1 and odd kernels. */
  pad: [number, number];
}

/** Batch-norm epsilon of torchvision's BasicConv2d. */
export const BN_EPS = 0.001;
export const FEATURE_DIM = 2048;
/** The TF 2015-12-05 graph's classes (1000 ImageNet classes and 8 unused ones). */
export const CLASSES = 1008;
export const INPUT_SIZE = 299;

export type BlockKind = 'A' | 'B' | 'C' | 'D' | 'E_1' | 'E_2';
export interface BlockSpec {
  name: string;
  kind: BlockKind;
  inChannels: number;
  /** A: pool_features; C: channels_7x7. */
  width?: number;
}

/** The Mixed blocks in order, with their input channels (the stem ends at 192 channels, 35×35). */
export const BLOCKS: readonly BlockSpec[] = [
  {name: 'Mixed_5b', kind: 'A', inChannels: 192, width: 32},
  {name: 'Mixed_5c', kind: 'A', inChannels: 256, width: 64},
  {name: 'Mixed_5d', kind: 'A', inChannels: 288, width: 64},
  {name: 'Mixed_6a', kind: 'B', inChannels: 288},
  {name: 'Mixed_6b', kind: 'C', inChannels: 768, width: 128},
  {name: 'Mixed_6c', kind: 'C', inChannels: 768, width: 160},
  {name: 'Mixed_6d', kind: 'C', inChannels: 768, width: 160},
  {name: 'Mixed_6e', kind: 'C', inChannels: 768, width: 192},
  {name: 'Mixed_7a', kind: 'D', inChannels: 768},
  {name: 'Mixed_7b', kind: 'E_1', inChannels: 1280},
  {name: 'Mixed_7c', kind: 'E_2', inChannels: 2048},
];

/** In the Mixed blocks, stride-1 convs keep the size (padding k // 2) and strided ones are unpadded. */
function conv(
  name: string,
  i: number,
  o: number,
  kernel: number | [number, number],
  stride = 1,
  padded = stride === 1,
): ConvSpec {
  const k: [number, number] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  return {name, inChannels: i, outChannels: o, kernel: k, stride, pad: padded ? [k[0] >> 1, k[1] >> 1] : [0, 0]};
}

/** The stem's five convs (Conv2d_2b_3x3 is the only padded one). */
export function stemConvs(): ConvSpec[] {
  return [
    conv('Conv2d_1a_3x3', 3, 32, 3, 2),
    conv('Conv2d_2a_3x3', 32, 32, 3, 1, false),
    conv('Conv2d_2b_3x3', 32, 64, 3, 1, true),
    conv('Conv2d_3b_1x1', 64, 80, 1),
    conv('Conv2d_4a_3x3', 80, 192, 3, 1, false),
  ];
}

/** A block's convs, keyed by branch name, in the state_dict's (registration) order. */
export function blockConvs(b: BlockSpec): ConvSpec[] {
  const p = (branch: string) => `${b.name}.${branch}`;
  const i = b.inChannels;
  const w = b.width ?? 0;
  switch (b.kind) {
    case 'A':
      return [
        conv(p('branch1x1'), i, 64, 1),
        conv(p('branch5x5_1'), i, 48, 1),
        conv(p('branch5x5_2'), 48, 64, 5),
        conv(p('branch3x3dbl_1'), i, 64, 1),
        conv(p('branch3x3dbl_2'), 64, 96, 3),
        conv(p('branch3x3dbl_3'), 96, 96, 3),
        conv(p('branch_pool'), i, w, 1),
      ];
    case 'B':
      return [
        conv(p('branch3x3'), i, 384, 3, 2),
        conv(p('branch3x3dbl_1'), i, 64, 1),
        conv(p('branch3x3dbl_2'), 64, 96, 3),
        conv(p('branch3x3dbl_3'), 96, 96, 3, 2),
      ];
    case 'C':
      return [
        conv(p('branch1x1'), i, 192, 1),
        conv(p('branch7x7_1'), i, w, 1),
        conv(p('branch7x7_2'), w, w, [1, 7]),
        conv(p('branch7x7_3'), w, 192, [7, 1]),
        conv(p('branch7x7dbl_1'), i, w, 1),
        conv(p('branch7x7dbl_2'), w, w, [7, 1]),
        conv(p('branch7x7dbl_3'), w, w, [1, 7]),
        conv(p('branch7x7dbl_4'), w, w, [7, 1]),
        conv(p('branch7x7dbl_5'), w, 192, [1, 7]),
        conv(p('branch_pool'), i, 192, 1),
      ];
    case 'D':
      return [
        conv(p('branch3x3_1'), i, 192, 1),
        conv(p('branch3x3_2'), 192, 320, 3, 2),
        conv(p('branch7x7x3_1'), i, 192, 1),
        conv(p('branch7x7x3_2'), 192, 192, [1, 7]),
        conv(p('branch7x7x3_3'), 192, 192, [7, 1]),
        conv(p('branch7x7x3_4'), 192, 192, 3, 2),
      ];
    case 'E_1':
    case 'E_2':
      return [
        conv(p('branch1x1'), i, 320, 1),
        conv(p('branch3x3_1'), i, 384, 1),
        conv(p('branch3x3_2a'), 384, 384, [1, 3]),
        conv(p('branch3x3_2b'), 384, 384, [3, 1]),
        conv(p('branch3x3dbl_1'), i, 448, 1),
        conv(p('branch3x3dbl_2'), 448, 384, 3),
        conv(p('branch3x3dbl_3a'), 384, 384, [1, 3]),
        conv(p('branch3x3dbl_3b'), 384, 384, [3, 1]),
        conv(p('branch_pool'), i, 192, 1),
      ];
  }
}

/** Every conv of the network in state_dict order (94 of them). */
export function allConvs(): ConvSpec[] {
  return [...stemConvs(), ...BLOCKS.flatMap(blockConvs)];
}

/** Float tensors of one conv: PyTorch OIHW weight, then the batch norm's four. */
export const BN_KEYS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** Every float tensor the weights file must hold, name → shape, in state_dict order (472 of them). */
export function expectedTensors(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const c of allConvs()) {
    m.set(`${c.name}.conv.weight`, [c.outChannels, c.inChannels, c.kernel[0], c.kernel[1]]);
    for (const k of BN_KEYS) m.set(`${c.name}.bn.${k}`, [c.outChannels]);
  }
  m.set('fc.weight', [CLASSES, FEATURE_DIM]);
  m.set('fc.bias', [CLASSES]);
  return m;
}
