// Entry point of a data-parallel worker thread: its own backend, its shard program, then the messages of rank 0.
import {parentPort, workerData} from 'node:worker_threads';
import {type BackendChoice, initBackend} from '../core/backend';
import {CollectiveAbort, type CollectiveMemory, SharedCollective} from './collective';
import type {ShardFactory, ShardProgram, ShardSpec} from './group';
import {withCollective} from './sharded-ops';

interface Start {
  mem: CollectiveMemory;
  rank: number;
  spec: ShardSpec<unknown>;
  backend: BackendChoice;
}

async function main(): Promise<void> {
  const {mem, rank, spec, backend} = workerData as Start;
  const port = parentPort!;
  let program: ShardProgram<unknown>;
  try {
    await initBackend(backend);
    const factory = (require(spec.module) as Record<string, ShardFactory<unknown, unknown>>)[spec.factory];
    if (!factory) throw new Error(`${spec.module} exports no ${spec.factory}`);
    program = await factory(spec.args, {rank, size: mem.size});
  } catch (err) {
    port.postMessage({error: (err as Error).message});
    return;
  }
  const collective = new SharedCollective(mem, rank);
  // Anything that escapes a handler must still release the other ranks from their waits.
  process.on('uncaughtException', (err) => collective.abort(`thread ${rank}: ${err.message}`));
  port.on('message', (message: unknown) => {
    try {
      withCollective(collective, () => program.handle(message));
    } catch (err) {
      // Another rank failed first: its reason is already set. Otherwise tell every rank why this one stopped.
      if (!(err instanceof CollectiveAbort)) collective.abort(`thread ${rank}: ${(err as Error).message}`);
    }
  });
  port.postMessage({ready: true});
}

void main();
