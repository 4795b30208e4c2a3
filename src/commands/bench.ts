// `scg bench`: time training steps (a config's, or the reference GAN step) against their forward passes,
// optionally next to the same step in PyTorch.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, setFlag} from '../cli/base-command';
import {benchText} from '../bench/reference-run';
import {runBench} from '../bench/scg-bench';

export default class Bench extends BaseCommand {
  static override summary =
    'Time training steps (img/s, step vs forward ms, memory, kernel profile), optionally against PyTorch';
  static override examples = [
    '<%= config.bin %> bench configs/quickstart.yaml --steps 5 --profile',
    '<%= config.bin %> bench --reference --torch --rounds 3 --threads 2',
    '<%= config.bin %> bench --adam --torch --backend torch',
  ];
  static override args = {
    config: Args.string({description: 'experiment config to time (its pretraining and GAN steps)'}),
  };
  static override flags = {
    reference: Flags.boolean({
      description: 'time the reference GAN step (DCGAN-like, hinge, 64 px, batch 16) instead of a config',
    }),
    torch: Flags.boolean({
      description:
        "with --reference: also run bench/reference_step.py (python3-torch), alternately, and print the ratio; with --adam: also time PyTorch's Adam (bench/adam_update.py)",
    }),
    steps: Flags.integer({description: 'timed steps per measurement (after 2 warm-up steps)', default: 5, min: 1}),
    rounds: Flags.integer({
      description:
        'with --reference: rounds, each timing every variant once (1 thread, N threads, PyTorch) so they see the same load',
      default: 3,
      min: 1,
    }),
    res: Flags.integer({description: 'reference step resolution', default: 64}),
    batch: Flags.integer({description: 'reference step batch', default: 16}),
    threads: Flags.integer({
      description:
        'with --reference: data-parallel tfjs threads, and PyTorch threads with --torch (default: cores). Above 1, the one-thread step is timed too, alternately, for the scaling ratio',
      min: 1,
    }),
    profile: Flags.boolean({description: 'list the kernels that take the most time in one step'}),
    backend: Flags.string({
      description: "backend to time on (default: the config's runtime.backend, else auto)",
      options: ['auto', 'torch', 'tensorflow', 'wasm', 'cpu'],
    }),
    device: Flags.string({
      description:
        "torch device (default: the config's runtime.device, else auto); with --reference --torch, PyTorch runs there too",
    }),
    adam: Flags.boolean({
      description:
        'also time one Adam update of 52 M parameters (the largest conv shapes of a 256-px AttnGAN discriminator)',
    }),
    'tiny-op': Flags.boolean({
      description: 'also time the per-op cost: tf.add of two [8] tensors + dispose (median µs)',
    }),
    set: setFlag,
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Bench);
    const {reference, torch, steps, rounds, res, batch, threads, profile, backend, device} = flags;
    const report = await runBench({
      ...{reference, torch, steps, rounds, res, batch, threads, profile, backend, device},
      config: args.config,
      sets: flags.set,
      tinyOp: flags['tiny-op'],
      adam: flags.adam,
      note: (l) => this.note(l),
    });
    if (!this.jsonEnabled()) this.log(benchText(report, report.backend));
    return report;
  }
}
