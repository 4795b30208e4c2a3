// Peak resident memory of this process, overall and since a phase began (Linux resets the high-water mark on request).
import * as fs from 'node:fs';

/** The process's peak before the last reset, in KiB (the kernel forgets it when the high-water mark is reset). */
let before = 0;
/** Whether the high-water mark was reset at the start of the current phase, so `phasePeakMb` means that phase. */
let windowed = false;

function currentPeakKb(): number {
  return process.resourceUsage().maxRSS;
}

/**
 * Starts a phase's memory window: remembers the process's peak so far, then resets the kernel's high-water mark to
 * the present resident size (`/proc/self/clear_refs`, Linux 4.0+). Returns whether it could; elsewhere the phase's
 * peak is not known apart from the process's.
 */
export function startPhaseWindow(): boolean {
  before = Math.max(before, currentPeakKb());
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    windowed = true;
  } catch {
    windowed = false;
  }
  return windowed;
}

/** The process's peak resident memory so far, in MB (worker threads included: they share the process). */
export function processPeakMb(): number {
  return Math.max(before, currentPeakKb()) / 1024;
}

/** The peak resident memory since `startPhaseWindow`, in MB; undefined where the window could not be started. */
export function phasePeakMb(): number | undefined {
  return windowed ? currentPeakKb() / 1024 : undefined;
}
