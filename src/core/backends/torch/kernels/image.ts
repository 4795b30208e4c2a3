// Image-resize torch kernels with tfjs' coordinate rules (alignCorners, halfPixelCenters) and exact gradients.
import {input, torchKernel} from './define';

function flags(attrs: Record<string, unknown>): [boolean, boolean] {
  return [Boolean(attrs['alignCorners']), Boolean(attrs['halfPixelCenters'])];
}

export const resizeBilinear = torchKernel('ResizeBilinear', (args) => {
  const x = input(args, 'images');
  const [h, w] = args.attrs['size'] as [number, number];
  const b = args.backend;
  return b.output(
    b.addon.ResizeBilinear(b.handle(x), h, w, ...flags(args.attrs)),
    [x.shape[0]!, h, w, x.shape[3]!],
    'float32',
  );
});

export const resizeBilinearGrad = torchKernel('ResizeBilinearGrad', (args) => {
  const x = input(args, 'images');
  const dy = input(args, 'dy');
  const b = args.backend;
  return b.output(b.addon.ResizeBilinearGrad(b.handle(x), b.handle(dy), ...flags(args.attrs)), x.shape, 'float32');
});

export const resizeNearestNeighbor = torchKernel('ResizeNearestNeighbor', (args) => {
  const x = input(args, 'images');
  const [h, w] = args.attrs['size'] as [number, number];
  const b = args.backend;
  return b.output(
    b.addon.ResizeNearest(b.handle(x), h, w, ...flags(args.attrs)),
    [x.shape[0]!, h, w, x.shape[3]!],
    x.dtype,
  );
});

export const resizeNearestNeighborGrad = torchKernel('ResizeNearestNeighborGrad', (args) => {
  const x = input(args, 'images');
  const dy = input(args, 'dy');
  const b = args.backend;
  return b.output(b.addon.ResizeNearestGrad(b.handle(x), b.handle(dy), ...flags(args.attrs)), x.shape, 'float32');
});
