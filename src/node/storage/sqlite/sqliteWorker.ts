/**
 * The SQLite store's own thread: better-sqlite3 is synchronous, so its commits (an fsync each,
 * synchronous=FULL) would otherwise stall the node's event loop and every stream it serves.
 * Runs the in-thread store here and answers sqliteWorkerStore's requests in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStore, type SqliteNodeStore } from './sqliteStore';
import type { GroupMessageRecord } from '../types';
import {
  compactBytes,
  packInsertedGroupMessages,
  serializeError,
  unpackGroupMessageInputs,
  type WorkerMessage,
  type WorkerRequest,
} from './workerProtocol';

if (!parentPort) throw new Error('sqliteWorker runs only as a worker thread');
const port = parentPort;
// Messages leave in batches, one postMessage per loop turn: a group commit of N writes answers
// N results and announces N events, and each postMessage costs a structured clone and a wake-up
// of the main thread. A batch also reaches the main thread as one task, so every event of a
// commit is queued for the subscribers before any of them runs.
let outbox: WorkerMessage[] = [];
const flushOutbox = (): void => {
  if (outbox.length === 0) return;
  const batch = outbox;
  outbox = [];
  // On the batch's last answer (an event may come after it): the main thread reads the counters
  // once the whole batch is handled, before any caller's continuation runs.
  for (let i = batch.length - 1; i >= 0 && store; i--) {
    const m = batch[i]!;
    if (m.type === 'result' || m.type === 'error') {
      m.stats = { ...store.commitStats };
      break;
    }
  }
  port.postMessage(batch);
};
const post = (m: WorkerMessage): void => {
  if (outbox.push(m) === 1) setImmediate(flushOutbox);
};
const { dataDir, maxBatch } = workerData as { dataDir: string; maxBatch?: number };

let store: SqliteNodeStore | undefined;
/** Group messages the store announced as newly stored (vs re-sends it found stored). */
const announced = new WeakSet<GroupMessageRecord>();
try {
  // Group messages arrive as views into shared memory nobody writes again (SharedSlabs).
  store = openSqliteStore({ dataDir, inputsImmutable: true, ...(maxBatch === undefined ? {} : { maxBatch }) });
} catch (error) {
  post({ type: 'fatal', error: serializeError(error) });
}

if (store) {
  const open = store;
  // Posted when the commit returned and before its writers' results: the main thread sees an
  // event no later than the acknowledgement of the write that caused it. Group messages are
  // announced by the main thread instead, from insertGroupMessages' answer
  // (InsertedGroupMessages): here they are only marked as fresh.
  open.onChange((event) => {
    if (event.kind === 'groupMessages') {
      for (const r of event.records) announced.add(r);
    } else {
      post({ type: 'event', event: compactBytes(event) });
    }
  });
  port.on('message', (requests: WorkerRequest[]) => {
    for (const request of requests) serve(open, request);
  });
  post({ type: 'ready' });
}

function serve(open: SqliteNodeStore, request: WorkerRequest): void {
  const method = open[request.method] as (...args: unknown[]) => Promise<unknown>;
  let args = request.args;
  try {
    if (request.method === 'insertGroupMessages') args = [unpackGroupMessageInputs(args[0] as Uint8Array)];
  } catch (error) {
    post({ type: 'error', id: request.id, error: serializeError(error) });
    return;
  }
  method.apply(open, args).then(
    (result) => {
      const answer =
        request.method === 'insertGroupMessages' ? packInsertedGroupMessages(result as GroupMessageRecord[], announced) : compactBytes(result);
      post({ type: 'result', id: request.id, result: answer});
      if (request.method === 'close') {
        flushOutbox();
        port.close();
      }
    },
    (error: unknown) => post({ type: 'error', id: request.id, error: serializeError(error) }),
  );
}
