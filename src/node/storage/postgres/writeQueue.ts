import type pg from 'pg';
import { ParleyError } from '../../../core/errors';
import type { Logger } from '../../log';

/** The kinds of topic the change feed announces (the topic_changes.kind column). */
export const ChangeKind = { groupMessages: 1, welcomes: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

/** Records newly stored on one topic by one transaction: ids first..last of that topic. */
export interface TopicChange {
  kind: ChangeKind;
  topic: Uint8Array;
  firstId: bigint;
  lastId: bigint;
}

/**
 * Thrown by a runner for one input that it decided, before writing anything, not to store (an
 * identity append against a stale log): only that write fails; the rest of its batch commits.
 */
export class WriteRefused extends Error {
  constructor(readonly reason: unknown) {
    super('write refused');
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Stores the inputs of every write of one kind in a batch, in call order, inside the batch's
 * transaction, in as few statements as it can (one multi-row INSERT for all the messages of a
 * batch). It returns one outcome per input and the records it newly stored, per topic. If it
 * throws, the whole transaction is rolled back.
 */
export interface WriteRunner<I, T> {
  run(client: pg.PoolClient, inputs: readonly I[]): Promise<{ outcomes: Outcome<T>[]; changes: TopicChange[] }>;
}

/** A runner that stores one input at a time; `store` may throw WriteRefused. */
export function oneByOne<I, T>(store: (client: pg.PoolClient, input: I) => Promise<T>): WriteRunner<I, T> {
  return {
    async run(client, inputs) {
      const outcomes: Outcome<T>[] = [];
      for (const input of inputs) {
        try {
          outcomes.push({ ok: true, value: await store(client, input) });
        } catch (error) {
          if (!(error instanceof WriteRefused)) throw error;
          outcomes.push({ ok: false, error: error.reason });
        }
      }
      return { outcomes, changes: [] };
    },
  };
}

export interface WriteRequest<I, T> {
  runner: WriteRunner<I, T>;
  input: I;
  /** Advisory-lock keys of the topics this write touches; all taken before the batch writes. */
  locks: readonly bigint[];
  /** Roughly how many bytes it carries (batches stop growing at MAX_BATCH_BYTES). */
  bytes: number;
}

interface Pending {
  request: WriteRequest<unknown, unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A batch stops taking writes past this many payload bytes (at least one write always goes). */
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** Over this many bytes a topic is left out of the NOTIFY payload (PostgreSQL's limit is 8000). */
const MAX_NOTIFY_TOPIC_HEX = 2048;

/**
 * Stores topic_changes rows for the transaction and wakes every node's change feed. NOTIFY is
 * transactional: listeners hear of it only after COMMIT, in commit order. The payload names
 * the topic and its newest id and never the data; feeds read the tables, not the payload.
 */
const RECORD_CHANGES = `
WITH recorded AS (
  INSERT INTO topic_changes (xid, kind, topic, first_id, last_id)
  SELECT pg_current_xact_id(), c.kind, c.topic, c.first_id, c.last_id
  FROM unnest($1::smallint[], $2::bytea[], $3::bigint[], $4::bigint[]) AS c(kind, topic, first_id, last_id)
)
SELECT pg_notify($5, payload) FROM unnest($6::text[]) AS payload`;

/**
 * Group commit for PostgreSQL: one writer transaction at a time per process; writes that arrive
 * while it runs wait and then go together into the next one, so under load one COMMIT (one WAL
 * flush) acknowledges many writes, and each kind of write is stored by one runner call (a few
 * statements) for the whole batch. Runners keep call order, so a process's writes to one topic
 * get ids in call order.
 *
 * Across processes, a transaction first takes the advisory locks of every topic its writes touch
 * (sorted, so two batches never wait on each other in a cycle) and holds them to COMMIT: a
 * topic's ids are drawn and committed by one writer at a time, so no reader ever sees a smaller
 * id appear on a topic after a larger one. Every promise settles only after COMMIT returned
 * (synchronous_commit on: flushed to the WAL).
 *
 * If a runner throws before COMMIT, the transaction is rolled back and each write of the batch
 * is retried in a transaction of its own, so one bad write fails alone. If COMMIT itself
 * fails the outcome is unknown and every write of the batch fails: group
 * messages and welcomes are deduplicated, so a client's retry cannot store them twice.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private running = false;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Transactions committed and the writes they carried, for tests and measurements. */
  readonly stats = { commits: 0, writes: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: {
      maxBatch: number;
      channel: string;
      logger: Logger;
      /** Called after a COMMIT that stored changes, before the writes' promises resolve. */
      onCommitted(changes: readonly TopicChange[]): void;
    },
  ) {}

  write<I, T>(request: WriteRequest<I, T>): Promise<T> {
    if (this.closed) return Promise.reject(new ParleyError('Node.StoreClosed', 'The store is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ request: request as WriteRequest<unknown, unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        // setImmediate, not a microtask: every request already read off the sockets in this
        // loop turn joins the first batch.
        setImmediate(() => void this.loop());
      }
    });
  }

  /** Refuses new writes, then waits until every queued write has committed or failed. */
  async drain(): Promise<void> {
    this.closed = true;
    if (!this.running) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async loop(): Promise<void> {
    while (this.pending.length > 0) {
      let count = 0;
      let bytes = 0;
      for (const p of this.pending) {
        if (count > 0 && (count >= this.options.maxBatch || bytes + p.request.bytes > MAX_BATCH_BYTES)) break;
        count++;
        bytes += p.request.bytes;
      }
      await this.commitBatch(this.pending.splice(0, count));
    }
    this.running = false;
    for (const done of this.idle.splice(0)) done();
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    const outcomes: Outcome<unknown>[] = new Array<Outcome<unknown>>(batch.length);
    const changes: TopicChange[] = [];
    let commitSent = false;
    let broken: Error | undefined;
    try {
      const keys = [...new Set(batch.flatMap((p) => p.request.locks))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      // One round trip: the keys are integers this process computed, safe to inline.
      await client.query(
        keys.length === 0 ? 'BEGIN' : `BEGIN; SELECT pg_advisory_xact_lock(k) FROM unnest('{${keys.join(',')}}'::bigint[]) AS k`,
      );
      // Each runner once, with its writes in call order.
      const byRunner = new Map<WriteRunner<unknown, unknown>, number[]>();
      batch.forEach((p, i) => {
        const indexes = byRunner.get(p.request.runner);
        if (indexes) indexes.push(i);
        else byRunner.set(p.request.runner, [i]);
      });
      for (const [runner, indexes] of byRunner) {
        const result = await runner.run(client, indexes.map((i) => batch[i]!.request.input));
        indexes.forEach((batchIndex, k) => {
          outcomes[batchIndex] = result.outcomes[k] ?? { ok: false, error: new Error('postgres: runner returned no outcome') };
        });
        changes.push(...result.changes);
      }
      const merged = mergeChanges(changes);
      if (merged.length > 0) await client.query(RECORD_CHANGES, this.changeParams(merged));
      commitSent = true;
      await client.query('COMMIT');
      this.stats.commits++;
      this.stats.writes += batch.length;
      if (merged.length > 0) this.options.onCommitted(merged);
    } catch (error) {
      if (commitSent) {
        broken = asError(error);
      } else {
        await client.query('ROLLBACK').catch((e: unknown) => {
          broken = asError(e);
        });
      }
      client.release(broken);
      if (!commitSent && batch.length > 1) {
        this.options.logger.debug('postgres batch rolled back; retrying its writes one by one', { error: String(error) });
        for (const p of batch) await this.commitBatch([p]);
      } else {
        for (const p of batch) p.reject(error);
      }
      return;
    }
    client.release();
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o?.ok) p.resolve(o.value);
      else p.reject(o?.error);
    });
  }

  private changeParams(changes: readonly TopicChange[]): unknown[] {
    const payloads = changes.map((c) => {
      const hex = Buffer.from(c.topic).toString('hex');
      const kind = c.kind === ChangeKind.groupMessages ? 'g' : 'w';
      return `${kind}:${hex.length <= MAX_NOTIFY_TOPIC_HEX ? hex : '*'}:${c.lastId}`;
    });
    return [
      changes.map((c) => c.kind),
      changes.map((c) => c.topic),
      changes.map((c) => c.firstId),
      changes.map((c) => c.lastId),
      this.options.channel,
      payloads,
    ];
  }
}

/** One change per kind and topic: a batch holds each topic's lock throughout, so its ids form one range. */
function mergeChanges(changes: readonly TopicChange[]): TopicChange[] {
  const byTopic = new Map<string, TopicChange>();
  for (const c of changes) {
    const key = `${c.kind}:${Buffer.from(c.topic).toString('hex')}`;
    const seen = byTopic.get(key);
    if (!seen) {
      byTopic.set(key, { ...c });
      continue;
    }
    if (c.firstId < seen.firstId) seen.firstId = c.firstId;
    if (c.lastId > seen.lastId) seen.lastId = c.lastId;
  }
  return [...byTopic.values()];
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
