// `npm run bench`: runs the standard benchmarks through the CLI and writes docs/performance.md.
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import {loadConfig} from '../config/load';
import type {BenchResult} from './bench';
import {type TorchTiming, torchPeerMissing} from './torch-peer';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/run.js');

const FID_NOTE =
  "`scg fid`'s feature pass against PyTorch's FID Inception has its own page, [performance-fid.md](performance-fid.md), written by `npm run bench:fid`.";

interface Report {
  backend: string;
  threads: number;
  results: Record<string, BenchResult & {threads?: number; scaling?: number}>;
  torch?: TorchTiming[];
  ratio?: number;
  scaling?: number;
  waitMsPerStep?: number;
  tinyOpMicros?: number;
  adam?: {params: number; ms: number; torch?: {torch: string; threads: number; ms: number}};
}

function scg(args: string[]): {report?: Report; error?: string} {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json'], {encoding: 'utf8', cwd: ROOT});
  if (r.status !== 0) return {error: (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')};
  return {report: JSON.parse(r.stdout) as Report};
}

const n = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(d));

function rows(report: Report): string[] {
  return Object.entries(report.results).map(
    ([name, r]) =>
      `| ${name} | ${r.threads ?? (name.endsWith('-1-thread') ? 1 : report.threads)} | ${n(r.imagesPerSecond)} | ${n(r.stepMs, 0)} | ${n(r.forwardMs, 0)} | ${n(r.stepOverForward, 2)} | ${n(r.peakRssMb, 0)} |`,
  );
}

const HEADER = [
  '| step | threads | img/s | step ms | forward ms | step/forward | peak RSS MB |',
  '|---|---|---|---|---|---|---|',
];

function kernels(report: Report): string[] {
  return Object.entries(report.results)
    .filter(([, r]) => r.topKernels?.length)
    .flatMap(([name, r]) => [
      '',
      `Top kernels of one ${name} step:`,
      '',
      '| kernel | ms | calls | share |',
      '|---|---|---|---|',
      ...(r.topKernels ?? [])
        .slice(0, 5)
        .map((k) => `| ${k.kernel} | ${n(k.ms, 0)} | ${k.calls} | ${n(100 * k.share)}% |`),
    ]);
}

const QUICKSTART_RUN = [
  'run',
  'configs/quickstart.yaml',
  '--set',
  'pretrain.steps=20',
  '--set',
  'train.steps=20',
  '--set',
  'pretrain.checkpointEvery=20',
  '--set',
  'train.checkpointEvery=20',
  '--set',
  'eval.every=20',
];

/** Peak resident memory per phase of a short quickstart run (same models and data, fewer steps), from its store. */
function quickstartPeakRss(): {byPhase: Record<string, number>; error?: string} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-bench-rss-'));
  try {
    const db = path.join(dir, 'experiments.db');
    const r = spawnSync(process.execPath, [BIN, ...QUICKSTART_RUN, '--db', db], {encoding: 'utf8', cwd: ROOT});
    if (r.status !== 0) return {byPhase: {}, error: (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')};
    const store = new Database(db, {readonly: true});
    try {
      const rows = store
        .prepare(
          `SELECT phase, MAX(value) AS mb FROM metrics WHERE key = 'peak_rss_mb' GROUP BY phase ORDER BY MIN(rowid)`,
        )
        .all() as {phase: string; mb: number}[];
      return {byPhase: Object.fromEntries(rows.map((row) => [row.phase, row.mb]))};
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

/** Wall time, peak RSS and last `label_acc` of the whole quickstart on torch, on a fresh store. */
function quickstartRun(): {
  seconds?: number;
  peakRssMb?: number;
  /** The background evaluator process's own peak (runtime/evaluator-warmup.ts), where the run started one. */
  warmupRssMb?: number;
  labelAcc?: number;
  error?: string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-bench-qs-'));
  try {
    const db = path.join(dir, 'experiments.db');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [BIN, ...QUICKSTART_FULL, '--db', db], {encoding: 'utf8', cwd: ROOT});
    const seconds = (Date.now() - t0) / 1000;
    if (r.status !== 0) return {error: (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')};
    const store = new Database(db, {readonly: true});
    try {
      const row = store.prepare(`SELECT MAX(value) AS mb FROM metrics WHERE key = 'peak_rss_mb'`).get() as {mb: number};
      const acc = store.prepare(`SELECT value FROM metrics WHERE key = 'label_acc' ORDER BY step DESC LIMIT 1`).get() as
        | {value: number}
        | undefined;
      const warmup = /background process is done after \d+ s, the weights cached \(its peak RSS (\d+) MB/.exec(
        r.stderr,
      );
      return {
        seconds,
        peakRssMb: row.mb,
        ...(warmup ? {warmupRssMb: Number(warmup[1])} : {}),
        ...(acc ? {labelAcc: acc.value} : {}),
      };
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

const QUICKSTART_FULL = ['run', 'configs/quickstart.yaml', '--set', 'runtime.backend=torch'];
const verdict = (ok: boolean) => (ok ? 'met' : 'missed');

/** Alternating rounds of the quickstart bench on torch and on wasm (2 data-parallel threads): per-phase img/s ratios. */
function torchVsWasm(
  command: string[],
  rounds: number,
): {ratios: Record<string, number[]>; torch?: Report; wasm?: Report; error?: string} {
  const ratios: Record<string, number[]> = {pretrain: [], train: []};
  let torch: Report | undefined;
  let wasm: Report | undefined;
  for (let k = 0; k < rounds; k++) {
    const t = scg([...command, '--backend', 'torch']);
    const w = scg([...command, '--backend', 'wasm']);
    if (!t.report || !w.report) return {ratios, error: t.error ?? w.error ?? 'no report'};
    torch = t.report;
    wasm = w.report;
    for (const phase of ['pretrain', 'train'])
      ratios[phase]!.push(t.report.results[phase]!.imagesPerSecond / w.report.results[phase]!.imagesPerSecond);
  }
  return {ratios, ...(torch ? {torch} : {}), ...(wasm ? {wasm} : {})};
}

/** `scg bench` of the reference step next to PyTorch, on `backend`. */
function referenceArgs(backend: string): string[] {
  return `bench --reference --torch --threads 2 --rounds 3 --steps 5 --profile --backend ${backend}`.split(' ');
}

/**
 * The page's ratios need the PyTorch peer; without it the bench would run for its whole length and write a page
 * with none of them. Refuse before starting unless SCG_BENCH_WITHOUT_PYTORCH=1 asks for that page.
 */
function requirePytorchPeer(): void {
  const missing = torchPeerMissing();
  if (!missing || process.env['SCG_BENCH_WITHOUT_PYTORCH'] === '1') return;
  process.stderr.write(
    `Error: npm run bench compares scg with PyTorch, but ${missing}.\n` +
      "Hint: install Debian's package (apt-get install -y python3-torch), or name another python with SCG_PYTHON;\n" +
      '      SCG_BENCH_WITHOUT_PYTORCH=1 npm run bench writes the page without the PyTorch ratios.\n',
  );
  process.exit(2);
}

function main(): void {
  requirePytorchPeer();
  const started = new Date();
  const commands = {
    torchReference: referenceArgs('torch'),
    reference: referenceArgs('wasm'),
    quickstart: ['bench', 'configs/quickstart.yaml', '--steps', '5', '--set', 'runtime.threads=2'],
    tinyTorch: ['bench', '--tiny-op', '--backend', 'torch'],
    tinyWasm: ['bench', '--tiny-op', '--backend', 'wasm'],
    adamTorch: ['bench', '--adam', '--torch', '--backend', 'torch', '--threads', '2'],
    adamWasm: ['bench', '--adam', '--backend', 'wasm'],
  };
  const withoutTorchIfMissing = (cmd: string[]): {report?: Report; error?: string; note: string} => {
    const r = scg(cmd);
    if (r.error && /PyTorch/.test(r.error))
      return {
        ...scg(cmd.filter((a) => a !== '--torch')),
        note: `PyTorch was not available (${r.error}); the step ran without it.`,
      };
    return {...r, note: ''};
  };
  const tref = withoutTorchIfMissing(commands.torchReference);
  const ref = withoutTorchIfMissing(commands.reference);
  const vs = torchVsWasm(commands.quickstart, 2);
  const tinyT = scg(commands.tinyTorch);
  const tinyW = scg(commands.tinyWasm);
  const adamT = withoutTorchIfMissing(commands.adamTorch);
  const adamW = scg(commands.adamWasm);
  const rss = quickstartPeakRss();
  const run = quickstartRun();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    '# Performance',
    '',
    `<!-- Written by \`npm run bench\` (src/bench/report.ts); rerun it to refresh. -->`,
    '',
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${cpu}, ${n(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}.`,
    "Backends: `torch` (scg's libtorch addon, one process, libtorch's intra-op threads) and `wasm` (one wasm instance per thread, data-parallel",
    'worker threads where a row says 2). Both scg and PyTorch ran with OMP_WAIT_POLICY=PASSIVE (scg sets it before loading libtorch; the PyTorch',
    "peer inherits the same environment from the bench process) and Debian's OpenBLAS (libopenblas0-pthread) as the BLAS.",
    'Medians of 5 timed steps after 2 warm-up steps; each step is timed next to the forward passes of the same step (no gradients).',
    '',
    '## Against the targets of the torch backend',
    '',
  ];
  const tr = tref.report;
  if (tr?.ratio !== undefined) {
    out.push(
      `- Reference step, torch vs PyTorch (${tr.threads} threads each, ${tr.torch!.length} alternating rounds): **${n(tr.ratio, 2)}×** (target ≥ 0.8): ${verdict(tr.ratio >= 0.8)}.`,
    );
  } else out.push(`- Reference step, torch vs PyTorch: not measured (${tref.error ?? tref.note}).`);
  for (const phase of ['pretrain', 'train']) {
    const rs = vs.ratios[phase] ?? [];
    if (rs.length) {
      const mean = rs.reduce((a, b) => a + b, 0) / rs.length;
      out.push(
        `- Quickstart ${phase} step, torch (2 threads) vs wasm (2 data-parallel threads), ${rs.length} alternating rounds: ${rs.map((r) => `${n(r, 2)}×`).join(', ')} (target ≥ 4): ${verdict(mean >= 4)}.`,
      );
    } else out.push(`- Quickstart ${phase} step, torch vs wasm: not measured (${vs.error}).`);
  }
  if (tinyT.report?.tinyOpMicros !== undefined) {
    out.push(
      `- Tiny op (\`tf.add\` of two [8] tensors + dispose), median: torch ${n(tinyT.report.tinyOpMicros, 2)} µs, wasm ${n(tinyW.report?.tinyOpMicros ?? null, 2)} µs (target ≤ 15 µs on torch): ${verdict(tinyT.report.tinyOpMicros <= 15)}.`,
    );
  }
  const adam = adamT.report?.adam;
  if (adam) {
    const peer = adam.torch
      ? `, PyTorch ${adam.torch.torch}'s Adam ${n(adam.torch.ms, 0)} ms on the same ${adam.torch.threads} threads (scg / PyTorch time ${n(adam.ms / adam.torch.ms, 2)})`
      : '';
    out.push(
      `- One Adam update of ${n(adam.params / 1e6)} M parameters (two 256-px discriminator convolutions; \`npx scg ${commands.adamTorch.join(' ')}\`, then \`npx scg ${commands.adamWasm.join(' ')}\`): torch ${n(adam.ms, 0)} ms${peer}; wasm ${n(adamW.report?.adam?.ms ?? null, 0)} ms. No target; it shows the in-place update at paper scale.`,
    );
  }
  if (run.seconds !== undefined) {
    const m = Math.floor(run.seconds / 60);
    const qs = loadConfig(path.join(ROOT, 'configs/quickstart.yaml')).config;
    out.push(
      `- \`npx scg ${QUICKSTART_FULL.join(' ')}\` on a fresh store: ${m} min ${Math.round(run.seconds - 60 * m)} s, ending with label_acc ${n(run.labelAcc ?? null, 3)} ` +
        `(target ≤ 10 min with label_acc ≥ 0.5, the quickstart's since it trains ${qs.pretrain.steps} + ${qs.train.steps} steps to tell shapes apart): ${verdict(run.seconds <= 600 && (run.labelAcc ?? 0) >= 0.5)}; ` +
        `the torch backend's ≤ 3 min, set for the earlier 200 + 600 steps: ${verdict(run.seconds <= 180)}; ` +
        `its peak RSS ${n(run.peakRssMb ?? null, 0)} MB (target ≤ 1.5 GB): ${verdict((run.peakRssMb ?? Infinity) <= 1536)}` +
        (run.warmupRssMb !== undefined
          ? `, with the background process that trained the builtin evaluator beside it at ${n(run.warmupRssMb, 0)} MB.`
          : '.'),
    );
  } else out.push(`- Quickstart run on torch: failed (${run.error}).`);
  out.push(
    '- Reference step on a CUDA GPU vs PyTorch CUDA: `bench/gpu/check.sh` on a GPU machine; see the section below for whether it ran.',
    '',
  );
  out.push(
    '## Reference GAN step on torch (64 px, batch 16; `../shared/bench/`)',
    '',
    `Command: \`npx scg ${commands.torchReference.join(' ')}\``,
    '',
  );
  if (tr) {
    out.push(...HEADER, ...rows(tr));
    if (tr.torch?.length)
      out.push(
        '',
        `PyTorch ${tr.torch[0]!.torch}, ${tr.torch[0]!.threads} threads, same step, alternating rounds: ${tr.torch.map((t) => `${n(t.imagesPerSecond)} img/s`).join(', ')}.`,
      );
    if (tref.note) out.push('', tref.note);
    out.push(...kernels(tr));
  } else out.push(`Failed: ${tref.error}`);
  out.push(
    '',
    '## Quickstart config (`configs/quickstart.yaml`), torch and wasm',
    '',
    `Command: \`npx scg ${commands.quickstart.join(' ')} --backend torch\`, then \`--backend wasm\`, twice, alternating.`,
    '',
  );
  if (vs.torch && vs.wasm) {
    out.push(
      'torch (last round):',
      '',
      ...HEADER,
      ...rows(vs.torch),
      '',
      'wasm (last round):',
      '',
      ...HEADER,
      ...rows(vs.wasm),
      '',
      "The wasm data-parallel steps have no forward-only variant: their forward time is the one-thread row's.",
    );
    const scaling = (r: Report, phase: string) => n(r.results[phase]?.scaling ?? null, 2);
    out.push(
      '',
      `N threads / 1 thread img/s, each the ratio of median step times of 15 steps of each timed in strict alternation: ` +
        `torch (intra-op threads) pretrain ${scaling(vs.torch, 'pretrain')}, train ${scaling(vs.torch, 'train')}; ` +
        `wasm (data-parallel workers) pretrain ${scaling(vs.wasm, 'pretrain')}, train ${scaling(vs.wasm, 'train')}. ` +
        'The one-thread rows are timed after the N-thread ones, so compare the ratios, not the rows.',
    );
  } else out.push(`Failed: ${vs.error}`);
  out.push('', '## Reference GAN step on wasm', '', `Command: \`npx scg ${commands.reference.join(' ')}\``, '');
  if (ref.report) {
    out.push(...HEADER, ...rows(ref.report));
    if (ref.report.scaling !== undefined) {
      out.push(
        '',
        `${ref.report.threads} threads / 1 thread img/s = ${n(ref.report.scaling, 2)}: the ratio of the median step times of 15 one-thread and ` +
          `15 ${ref.report.threads}-thread steps timed in strict alternation. Thread 0 waited ${n(ref.report.waitMsPerStep ?? null, 0)} ms per step at the exchanges.`,
      );
    }
    if (ref.report.ratio !== undefined)
      out.push('', `wasm / PyTorch img/s = ${n(ref.report.ratio, 3)}, both on ${ref.report.threads} threads.`);
    if (ref.note) out.push('', ref.note);
  } else out.push(`Failed: ${ref.error}`);
  out.push(
    '',
    '## Memory of a short quickstart run (auto backend)',
    '',
    `Command: \`npx scg ${QUICKSTART_RUN.join(' ')} --db <temp>\` (the quickstart's models and data, 20 steps per phase), then the`,
    "largest `peak_rss_mb` metric the run stored per phase (the process's peak resident memory, worker threads included).",
    '',
  );
  if (rss.error) out.push(`Failed: ${rss.error}`);
  else
    out.push(
      '| phase | peak RSS MB |',
      '|---|---|',
      ...Object.entries(rss.byPhase).map(([phase, mb]) => `| ${phase} | ${n(mb, 0)} |`),
    );
  out.push('', '## CUDA', '', GPU_NOTE, '');
  out.push('## `scg fid`', '', FID_NOTE, '');
  fs.writeFileSync(path.join(ROOT, 'docs/performance.md'), out.join('\n'));
  process.stdout.write(out.join('\n'));
}

/** Kept by hand in src/bench/report.ts: what the GPU check measured, where a session had a GPU. */
const GPU_NOTE =
  'Not measured yet: no GPU machine was available to the session that wrote the torch backend. `bash bench/gpu/pack.sh` on a CPU ' +
  'machine and `bash bench/gpu/check.sh` on a GPU machine with a pip-installed CUDA torch print torch-on-cuda and PyTorch-on-cuda img/s and their ratio.';

main();
