// Fault suite, the files scg keeps beside the store: a damaged evaluator or statistics cache is rebuilt, and a
// damaged file in a run folder is exit 2 naming it.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {TINY_CONFIG, TINY_EVAL_SETS} from '../tiny';
import {filesMatching, query, scg, tmpDir} from './harness';

describe('fault suite: damaged files beside the store', () => {
  it('damaged caches are rebuilt with the same numbers; a damaged vocab.json is exit 2 naming it', () => {
    const dir = tmpDir('files');
    const db = path.join(dir, 'experiments.db');
    const sets = TINY_EVAL_SETS;
    const r = scg(['run', TINY_CONFIG, '--db', db, ...sets, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    const fid = () =>
      query<{value: number}>(db, "SELECT value FROM metrics WHERE key = 'fid' ORDER BY rowid DESC LIMIT 1")[0]!.value;
    const first = fid();
    const cache = path.join(dir, 'cache');
    const weights = filesMatching(cache, /\.ckpt$/);
    const stats = filesMatching(cache, /^builtin-.*\.json$/).filter((f) => f.includes('real-stats'));
    assert.equal(weights.length, 1, `one evaluator cached in ${cache}`);
    assert.equal(stats.length, 1, 'one set of real statistics cached');
    fs.truncateSync(weights[0]!, 100);
    fs.writeFileSync(stats[0]!, '{"mu": [1, 2');
    const e = scg(['eval', runId, '--db', db, '--samples', '12']);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stderr, /the cached weights .* are damaged; training again/);
    assert.ok(
      Math.abs(fid() - first) < 1e-6 * Math.max(1, first),
      `the rebuilt caches give the same FID (${fid()} vs ${first})`,
    );
    const vocab = path.join(dir, 'runs', runId, 'vocab.json');
    fs.writeFileSync(vocab, '{"words": [');
    const s = scg(['sample', runId, '--text', 'a red circle', '--out', path.join(dir, 'x.png'), '--db', db]);
    assert.equal(s.status, 2, s.stderr);
    assert.ok(s.stderr.includes(`${vocab} of run ${runId} is damaged`), s.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'x.png')));
  });
});
