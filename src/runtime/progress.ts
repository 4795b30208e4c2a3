// Training progress on stderr: a cli-progress bar on a terminal, one line every N steps otherwise, nothing in --json mode.
import {SingleBar} from 'cli-progress';

export interface ProgressUpdate {
  step: number;
  losses: Record<string, number>;
  imagesPerSecond: number;
}

export interface Progress {
  start(phase: string, total: number, startStep: number, logEvery: number): void;
  update(u: ProgressUpdate): void;
  stop(): void;
  /** A message line that does not break the bar. */
  log(line: string): void;
}

function fmtLosses(losses: Record<string, number>, keys: readonly string[]): string {
  return keys
    .filter((k) => k in losses)
    .map((k) => `${k} ${losses[k]!.toFixed(3)}`)
    .join('  ');
}

export function fmtEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The reporter for this process: bar on a TTY, lines otherwise, silent when `quiet`. */
export function createProgress(opts: {
  quiet: boolean;
  mainLosses: readonly string[];
  stream?: NodeJS.WriteStream;
}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return {start() {}, update() {}, stop() {}, log() {}};
  const tty = Boolean(stream.isTTY);
  let phase = '';
  let total = 0;
  let every = 10;
  let startedAt = 0;
  let startStep = 0;
  let bar: SingleBar | undefined;
  const eta = (step: number) =>
    fmtEta(((Date.now() - startedAt) / 1000 / Math.max(1, step - startStep)) * (total - step));
  return {
    start(p, t, s, logEvery) {
      [phase, total, startStep, every, startedAt] = [p, t, s, logEvery, Date.now()];
      if (tty) {
        bar = new SingleBar({
          stream,
          format: `${p} [{bar}] {value}/{total} | {losses} | {rate} img/s | eta {eta_text}`,
          barsize: 24,
          hideCursor: true,
        });
        bar.start(t, s, {losses: '', rate: '-', eta_text: '?'});
      } else stream.write(`${p}: starting at step ${s} of ${t}\n`);
    },
    update(u) {
      if (bar)
        bar.update(u.step, {
          losses: fmtLosses(u.losses, opts.mainLosses),
          rate: u.imagesPerSecond.toFixed(1),
          eta_text: eta(u.step),
        });
      else if (u.step % every === 0 || u.step === total) {
        stream.write(
          `${phase} ${u.step}/${total}  ${fmtLosses(u.losses, opts.mainLosses)}  ${u.imagesPerSecond.toFixed(1)} img/s  eta ${eta(u.step)}\n`,
        );
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
    log(line) {
      if (bar) stream.write('\n');
      stream.write(`${line}\n`);
    },
  };
}
