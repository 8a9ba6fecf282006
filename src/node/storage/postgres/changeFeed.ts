import pg from 'pg';
import type { Logger } from '../../log';
import { StoreListeners } from '../storeListeners';
import type { StoreEvent, StoreListener } from '../types';
import { ChangeKind, type TopicChange } from './writeQueue';

export interface ChangeFeedOptions {
  pool: pg.Pool;
  /** How to open the dedicated LISTEN connection (the pool's settings). */
  listenerConfig: pg.ClientConfig;
  channel: string;
  logger: Logger;
  /** Reads the records of some changes of one kind, in id order. */
  fetch(kind: ChangeKind, changes: readonly TopicChange[]): Promise<StoreEvent>;
  /** Sweep even without a wake-up this often (a safety net; the horizon also advances). */
  sweepIntervalMs?: number;
  /** topic_changes rows older than this are deleted. */
  retentionMs?: number;
}

interface ChangeRow {
  horizon: string;
  xid: string | null;
  kind: number | null;
  topic: Buffer | null;
  first_id: bigint | null;
  last_id: bigint | null;
}

/**
 * Every change from transaction $1 on that is visible now (from the new horizon on when $1 is
 * null: the first sweep only needs what it must not deliver later). The horizon is the xmin of
 * the statement's own snapshot: every transaction below it had finished when the rows were read.
 */
const SWEEP = `
WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon)
SELECT s.horizon::text AS horizon, c.xid::text AS xid, c.kind, c.topic, c.first_id, c.last_id
FROM s LEFT JOIN topic_changes c ON c.xid >= coalesce($1::xid8, s.horizon)
ORDER BY c.first_id`;

/** How many changes one fetch reads the records of. */
const FETCH_CHUNK = 256;
const MAX_BACKOFF_MS = 5_000;

/**
 * Live changes for this process's listeners, from every process writing the database.
 *
 * The topic_changes table is the truth; NOTIFY is only a wake-up. Each writer transaction
 * records (its xid, kind, topic, first id, last id) per topic it added records to. A sweep
 * reads every change whose xid is at least the horizon, skips the ones already delivered,
 * delivers the rest, and moves the horizon to its snapshot's xmin. Because each sweep sees
 * every transaction below the new horizon as finished, and the previous one saw those below
 * the old horizon, no committed change is ever skipped, whichever wake-ups were lost (a dropped
 * LISTEN connection, a NOTIFY in flight); a change is delivered once because delivered ones are
 * remembered until the horizon passes them.
 *
 * Order: a topic's writers hold its advisory lock until COMMIT, so on one topic commit order
 * is id order and a visible change implies every earlier change of that topic is visible too.
 * Sweeps deliver changes in first-id order, chunk by chunk, each chunk's records in id order,
 * hence in id order per topic.
 */
export class ChangeFeed {
  private readonly listeners = new StoreListeners();
  /** Changes at or above the horizon already delivered (or, at start, already there). */
  private readonly delivered = new Map<string, bigint>();
  /** Unset until the first sweep. */
  private horizon: bigint | undefined;
  private listener: pg.Client | undefined;
  private listenerPidValue: number | undefined;
  private sweeping: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastCleanup = Date.now();
  /** Counters for tests: LISTEN connections opened after a loss, sweeps run. */
  readonly stats = { reconnects: 0, sweeps: 0 };

  constructor(private readonly options: ChangeFeedOptions) {}

  /** LISTEN, then mark what is already there as seen: listeners get changes from now on. */
  async start(): Promise<void> {
    await this.connectListener();
    await this.sweep(false);
    this.interval = setInterval(() => this.wake(), this.options.sweepIntervalMs ?? 5_000);
    this.interval.unref();
  }

  /** The backend pid of the LISTEN connection (tests cut it to check the reconnect). */
  get listenerPid(): number | undefined {
    return this.listenerPidValue;
  }

  add(listener: StoreListener): () => void {
    return this.listeners.add(listener);
  }

  /** Asks for a sweep; wake-ups during one coalesce into one more. */
  wake(): void {
    if (this.stopped) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    this.sweeping = (async () => {
      do {
        this.again = false;
        try {
          await this.sweep(true);
          this.failures = 0;
        } catch (error) {
          this.failures++;
          this.options.logger.warn('change feed: sweep failed; retrying', { error: String(error) });
          this.retryLater();
          break;
        }
      } while (this.again && !this.stopped);
      this.sweeping = undefined;
    })();
  }

  /** Stops waking, waits for a running sweep, closes the LISTEN connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.interval);
    await this.sweeping;
    this.listeners.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), backoff(this.failures));
    this.retryTimer.unref();
  }

  private async sweep(deliver: boolean): Promise<void> {
    this.options.logger.debug('change feed: sweep', { horizon: this.horizon });
    const { rows } = await this.options.pool.query<ChangeRow>(SWEEP, [this.horizon?.toString() ?? null]);
    this.stats.sweeps++;
    const first = rows[0];
    if (!first) return;
    const fresh: { key: string; xid: bigint; change: TopicChange }[] = [];
    for (const r of rows) {
      if (r.xid === null || r.kind === null || r.topic === null || r.first_id === null || r.last_id === null) continue;
      const key = `${r.xid}:${r.kind}:${r.topic.toString('hex')}:${r.first_id}`;
      if (this.delivered.has(key)) continue;
      const kind = r.kind === ChangeKind.welcomes ? ChangeKind.welcomes : ChangeKind.groupMessages;
      fresh.push({ key, xid: BigInt(r.xid), change: { kind, topic: r.topic, firstId: r.first_id, lastId: r.last_id } });
    }
    for (const kind of [ChangeKind.groupMessages, ChangeKind.welcomes]) {
      const ofKind = fresh.filter((f) => f.change.kind === kind);
      for (let i = 0; i < ofKind.length; i += FETCH_CHUNK) {
        const chunk = ofKind.slice(i, i + FETCH_CHUNK);
        if (deliver && this.listeners.size > 0 && !this.stopped) {
          this.listeners.emit(await this.options.fetch(kind, chunk.map((f) => f.change)));
        }
        for (const f of chunk) this.delivered.set(f.key, f.xid);
      }
    }
    const horizon = BigInt(first.horizon);
    this.horizon = horizon;
    for (const [key, xid] of this.delivered) if (xid < horizon) this.delivered.delete(key);
    await this.cleanupNow();
  }

  /** Now and then, drops changes every live feed has long swept past. */
  private async cleanupNow(): Promise<void> {
    const retentionMs = this.options.retentionMs ?? 15 * 60_000;
    if (Date.now() - this.lastCleanup < Math.min(60_000, retentionMs)) return;
    this.lastCleanup = Date.now();
    await this.options.pool.query(`DELETE FROM topic_changes WHERE created_at < now() - make_interval(secs => $1)`, [
      retentionMs / 1000,
    ]);
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ ...this.options.listenerConfig, keepAlive: true });
    const lost = (error?: unknown): void => this.onListenerLost(client, error);
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel !== this.options.channel) return;
      this.options.logger.debug('change feed: notified', { payload: n.payload });
      this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.options.channel)}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.listenerPidValue = rows[0]?.pid;
      if (this.stopped) throw new Error('change feed stopped');
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
  }

  private onListenerLost(client: pg.Client, error?: unknown): void {
    if (this.stopped || this.listener !== client) return;
    this.listener = undefined;
    this.listenerPidValue = undefined;
    this.options.logger.warn('change feed: LISTEN connection lost; reconnecting', { error: String(error ?? 'ended') });
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.reconnect(0);
  }

  private reconnect(attempt: number): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.connectListener().then(
          () => {
            this.stats.reconnects++;
            this.options.logger.info('change feed: LISTEN connection back');
            // Catch up on what was committed while nobody listened.
            this.wake();
          },
          (error: unknown) => {
            this.options.logger.warn('change feed: reconnect failed', { error: String(error), attempt });
            this.reconnect(attempt + 1);
          },
        );
      },
      attempt === 0 ? 0 : backoff(attempt),
    );
    this.reconnectTimer.unref();
  }
}

function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
}
