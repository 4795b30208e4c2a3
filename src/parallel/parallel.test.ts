// The data-parallel machinery on real worker threads: all-gather of unequal and multi-round payloads, synchronised
// batch norm against one thread, and a failing thread stopping every rank with its message.
import {strict as assert} from 'node:assert';
import {after, before, describe, it} from 'node:test';
import {probe, type ProbeMessage, batchNormProbe} from '../../test/parallel-programs';
import {useWasm} from '../../test/support';
import {allocateCollective, CollectiveAbort, SharedCollective} from './collective';
import {DataParallelGroup, shardRows, usableThreads} from './group';

describe('data-parallel group', () => {
  let group: DataParallelGroup<ProbeMessage, unknown>;
  before(async () => {
    await useWasm();
    group = await DataParallelGroup.start(
      2,
      {module: require.resolve('../../test/parallel-programs'), factory: 'probe', args: {}},
      'wasm',
      probe({}, {rank: 0, size: 2}),
      {slotFloats: 1000},
    );
  });
  after(() => group.close());

  it('all-gathers payloads of different lengths, including ones longer than a shared slot', () => {
    assert.deepEqual(group.run({kind: 'gather', length: 3}), [
      [3, 0, 0],
      [6, 1, 1],
    ]);
    const big = 2500; // this group's slots hold 1000 floats per rank: several rounds
    assert.deepEqual(group.run({kind: 'gather', length: big}), [
      [big, 0, 0],
      [2 * big, 1, 1],
    ]);
  });

  it('batch norm over 2 threads (even and uneven rows) gives the one-thread loss, gradients and running variance', () => {
    const one = batchNormProbe([5], 0);
    for (const rows of [
      [3, 2],
      [1, 4],
    ]) {
      const two = group.run({kind: 'batch-norm', rows}) as typeof one;
      assert.ok(Math.abs(two.loss - one.loss) < 1e-4 * Math.abs(one.loss), `loss ${two.loss} against ${one.loss}`);
      for (const key of ['dx', 'dGamma', 'runningVar'] as const) {
        one[key].forEach((v, i) =>
          assert.ok(
            Math.abs(v - two[key][i]!) < 1e-4 * Math.max(1, Math.abs(v)),
            `${key}[${i}] (rows ${rows}): ${two[key][i]} against ${v}`,
          ),
        );
      }
    }
  });

  it('splits batches into equal contiguous shards, and picks a thread count that divides the batch', () => {
    assert.deepEqual(
      [0, 1].map((rank) => shardRows(16, {rank, size: 2})),
      [
        [0, 8],
        [8, 16],
      ],
    );
    assert.deepEqual(usableThreads(2, 16), {threads: 2});
    assert.equal(usableThreads(3, 16).threads, 2);
    assert.match(usableThreads(3, 16).note!, /3 threads asked, 2 used/);
    assert.equal(usableThreads(2, 2).threads, 1);
  });

  it('a rank whose partner never arrives gives up after its stall limit, with a message', () => {
    const lonely = new SharedCollective(allocateCollective(2, 16), 0, 300, 50);
    const t0 = Date.now();
    assert.throws(
      () => lonely.allGather(Float32Array.of(1)),
      /thread 0 waited 0 s for the other threads at a collective; one of them stopped/,
    );
    assert.ok(Date.now() - t0 >= 300);
    assert.throws(() => lonely.allGather(Float32Array.of(1)), CollectiveAbort, 'the group stays aborted');
  });

  it('a thread that fails stops every rank and its message reaches rank 0 (last: the group stays aborted)', () => {
    assert.throws(() => group.run({kind: 'fail', rank: 1}), /thread 1: deliberate failure/);
    assert.throws(() => group.run({kind: 'gather', length: 1}), /thread 1: deliberate failure/);
  });
});
