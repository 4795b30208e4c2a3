// onceAcrossProcesses: three processes wanting the same work do it once; a lock left by a dead process is taken over.
import {strict as assert} from 'node:assert';
import {spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {exitedPid} from '../../test/cli-support';
import {onceAcrossProcesses} from './file-lock';

const CHILD = `
const fs = require('node:fs');
const {onceAcrossProcesses} = require(${JSON.stringify(path.join(__dirname, 'file-lock.js'))});
const [dir] = process.argv.slice(1);
onceAcrossProcesses(dir + '/work.lock', () => fs.existsSync(dir + '/result'), async () => {
  fs.appendFileSync(dir + '/workers', process.pid + '\\n');
  await new Promise((r) => setTimeout(r, 400));
  fs.writeFileSync(dir + '/result', 'done');
}, {log: () => {}}).then(() => process.stdout.write(fs.readFileSync(dir + '/result', 'utf8')));
`;

describe('onceAcrossProcesses', () => {
  it('three processes at once: one does the work, the others wait for its result', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-lock-'));
    const outs = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ['-e', CHILD, dir], {stdio: ['ignore', 'pipe', 'inherit']});
            let out = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    assert.deepEqual(outs, ['done', 'done', 'done'], 'every process sees the result');
    assert.equal(fs.readFileSync(path.join(dir, 'workers'), 'utf8').trim().split('\n').length, 1, 'the work ran once');
    assert.equal(fs.existsSync(path.join(dir, 'work.lock')), false);
  });

  it('a lock left by a dead process on this host does not block', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-lock-'));
    const dead = exitedPid();
    fs.writeFileSync(path.join(dir, 'work.lock'), JSON.stringify({pid: dead, host: os.hostname()}));
    let ran = 0;
    await onceAcrossProcesses(
      path.join(dir, 'work.lock'),
      () => false,
      async () => void ran++,
      {log: () => {}, maxWaitMs: 60_000},
    );
    assert.equal(ran, 1);
  });
});
