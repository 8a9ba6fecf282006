import { Worker } from 'node:worker_threads';
import { ParleyError } from '../../../core/errors';
import { StoreListeners } from '../storeListeners';
import type { GroupMessageInput, NodeStore, StoreListener } from '../types';
import type { SqliteNodeStore, SqliteStoreOptions } from './sqliteStore';
import {
  compactBytes,
  deserializeError,
  packGroupMessageInputs,
  SharedSlabs,
  unpackGroupMessageInputs,
  unpackInsertedGroupMessages,
  type CommitStats,
  type InsertedGroupMessages,
  type WorkerMessage,
  type WorkerMethod,
  type WorkerRequest,
} from './workerProtocol';

/**
 * The SQLite store with SQLite on its own thread (sqliteWorker.ts): same contract and data as
 * openSqliteStore, but commits and their fsyncs run beside the event loop instead of blocking it.
 */
export async function openSqliteStoreInWorker(options: SqliteStoreOptions): Promise<SqliteNodeStore> {
  // The boot file registers tsx in the worker, which runs this package's TypeScript source.
  const worker = new Worker(new URL('./sqliteWorkerBoot.mjs', import.meta.url), {
    workerData: { dataDir: options.dataDir, maxBatch: options.maxBatch },
    execArgv: [],
  });
  const store = new SqliteWorkerStore(worker);
  try {
    await store.ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return store;
}

interface PendingRequest {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** insertGroupMessages: the caller's own copies of its inputs, for answerInsert. */
  inserted?: GroupMessageInput[];
}

class SqliteWorkerStore implements SqliteNodeStore {
  readonly backend = 'sqlite' as const;
  readonly ready: Promise<void>;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly listeners = new StoreListeners();
  private nextId = 1;
  /** Requests of this loop turn, posted together (one structured clone and one wake-up). */
  private outbox: WorkerRequest[] = [];
  private stats: CommitStats = { commits: 0, writes: 0 };
  private readonly slabs = new SharedSlabs();
  private closing: Promise<void> | undefined;
  private closed = false;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise<void>((resolve, reject) => {
      // The worker answers in batches (sqliteWorker.ts); handled in order, synchronously, so an
      // event still precedes the acknowledgement of the write that caused it.
      worker.on('message', (batch: WorkerMessage[]) => {
        for (const m of batch) {
          switch (m.type) {
            case 'ready':
              resolve();
              break;
            case 'fatal':
              reject(deserializeError(m.error));
              break;
            case 'event':
              this.listeners.emit(m.event);
              break;
            case 'result':
            case 'error': {
              if (m.stats) this.stats = m.stats;
              const p = this.pending.get(m.id);
              this.pending.delete(m.id);
              if (m.type === 'error') p?.reject(deserializeError(m.error));
              else if (p?.inserted) this.answerInsert(p, p.inserted, m.result as InsertedGroupMessages);
              else p?.resolve(m.result);
              break;
            }
          }
        }
      });
      const fail = (error: Error): void => {
        this.failure = new ParleyError('Node.StoreCorrupt', 'The SQLite worker stopped.', { details: error.message, cause: error });
        reject(this.failure);
        for (const p of this.pending.values()) p.reject(this.failure);
        this.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`worker exited with code ${code}`));
      });
    });
  }

  get commitStats(): CommitStats {
    return this.stats;
  }

  private request<T>(method: WorkerMethod, ...args: unknown[]): Promise<T> {
    return this.send<T>(method, compactBytes(args));
  }

  /**
   * Posts a request whose args are ready to clone. For insertGroupMessages, `inserted` is what
   * answerInsert builds the caller's records from, synchronously while the worker's batch is
   * handled (so in commit order, and before any caller's continuation runs).
   */
  private send<T>(method: WorkerMethod, args: unknown[], inserted?: GroupMessageInput[]): Promise<T> {
    if (this.closed || (this.closing && method !== 'close')) {
      return Promise.reject(new ParleyError('Node.StoreClosed', 'The store is closed.'));
    }
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const pending: PendingRequest = { resolve: resolve as (v: unknown) => void, reject };
      if (inserted) pending.inserted = inserted;
      this.pending.set(id, pending);
      const request: WorkerRequest = { id, method, args };
      if (this.outbox.push(request) === 1) setImmediate(this.flushOutbox);
    });
  }

  private readonly flushOutbox = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    // After a failure every pending request has been rejected already; the worker is gone.
    if (!this.failure) this.worker.postMessage(batch);
  };

  appendIdentityUpdate: NodeStore['appendIdentityUpdate'] = (input) => this.request('appendIdentityUpdate', input);
  identityLog: NodeStore['identityLog'] = (inboxId) => this.request('identityLog', inboxId);
  identityUpdatesAfter: NodeStore['identityUpdatesAfter'] = (requests) => this.request('identityUpdatesAfter', requests);
  inboxIdsFor: NodeStore['inboxIdsFor'] = (members) => this.request('inboxIdsFor', members);
  putKeyPackage: NodeStore['putKeyPackage'] = (input) => this.request('putKeyPackage', input);
  fetchKeyPackages: NodeStore['fetchKeyPackages'] = (keys) => this.request('fetchKeyPackages', keys);
  insertWelcomes: NodeStore['insertWelcomes'] = (inputs) => this.request('insertWelcomes', inputs);
  queryWelcomes: NodeStore['queryWelcomes'] = (key, page) => this.request('queryWelcomes', key, page);
  /**
   * The messages go to the worker packed in one piece of shared memory (packGroupMessageInputs,
   * SharedSlabs), and the records are views into it (their bytes are the caller's to keep, as
   * NodeStore promises: the piece is this call's own copy, which nobody writes again). The worker answers with
   * ids and timestamps only (InsertedGroupMessages). The live event is emitted here, before
   * the write's promise settles.
   */
  insertGroupMessages: NodeStore['insertGroupMessages'] = (inputs) => {
    const packed = packGroupMessageInputs(inputs, this.slabs.allocate);
    return this.send('insertGroupMessages', [packed], unpackGroupMessageInputs(packed));
  };

  /** The records of a stored insertGroupMessages; the live event goes out before they are answered. */
  private answerInsert(p: PendingRequest, own: readonly GroupMessageInput[], result: InsertedGroupMessages): void {
    try {
      const { records, fresh } = unpackInsertedGroupMessages(own, result);
      this.listeners.emit({ kind: 'groupMessages', records: fresh });
      p.resolve(records);
    } catch (error) {
      p.reject(error);
    }
  }

  queryGroupMessages: NodeStore['queryGroupMessages'] = (groupId, page) => this.request('queryGroupMessages', groupId, page);
  newestGroupMessages: NodeStore['newestGroupMessages'] = (groupIds) => this.request('newestGroupMessages', groupIds);
  insertCommitLogEntries: NodeStore['insertCommitLogEntries'] = (inputs) => this.request('insertCommitLogEntries', inputs);
  queryCommitLog: NodeStore['queryCommitLog'] = (groupId, after, limit) => this.request('queryCommitLog', groupId, after, limit);
  deleteExpired: NodeStore['deleteExpired'] = (cutoffs) => this.request('deleteExpired', cutoffs);

  onChange(listener: StoreListener): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failure) {
        // The worker finishes every queued write, closes the database, then answers.
        await this.request<void>('close').catch(() => undefined);
      }
      this.closed = true;
      this.listeners.clear();
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
