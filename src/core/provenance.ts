// Where a run came from: git commit and dirty flag, versions, host.
import {execFileSync} from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import {hostName} from './host';

export interface Provenance {
  gitCommit: string | null;
  gitDirty: boolean | null;
  versions: Record<string, string>;
  host: string;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  } catch {
    return null;
  }
}

/** The scg package version, read from package.json. */
export function scgVersion(): string {
  return (require('../../../package.json') as {version: string}).version;
}

export function provenance(): Provenance {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  return {
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    versions: {scg: scgVersion(), node: process.version, tfjs: tf.version_core},
    host: hostName(),
  };
}
