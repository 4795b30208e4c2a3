// The flags of `scg ablate --emit`: which job to write, where, and whether each task keeps its own store.
import {Flags} from '@oclif/core';

export const emitFlags = {
  emit: Flags.string({
    description:
      'write a job that runs each cell as a task, instead of running: a Slurm array, a bash script, or a Kubernetes Indexed Job (per-task stores, then scg store merge)',
    options: ['slurm', 'shell', 'k8s'],
  }),
  out: Flags.string({description: 'with --emit: write the script here instead of stdout'}),
  'task-stores': Flags.boolean({
    description:
      'with --emit slurm|shell: each task writes its own store (tasks/<INDEX>/experiments.db beside --db), to join with scg store merge; for tasks on several nodes (k8s always does this)',
  }),
};
