import pg from 'pg';
import { ParleyError } from '../../../core/errors';
import { silentLogger, type Logger } from '../../log';
import type {
  CommitLogInput,
  ExpiryCutoffs,
  CommitLogRecord,
  GroupMessageInput,
  GroupMessageRecord,
  IdentityUpdateAppend,
  IdentityUpdateRecord,
  KeyPackageInput,
  KeyPackageRecord,
  MemberKey,
  NodeStore,
  PageRequest,
  StoreEvent,
  StoreListener,
  WelcomeInput,
  WelcomeRecord,
} from '../types';
import { ChangeFeed } from './changeFeed';
import { staleKeyPackage } from '../staleKeyPackage';
import { memberKeyString, topicDataHash } from '../storageKeys';
import { advisoryKey } from './keys';
import { migrate } from './schema';
import { ChangeKind, WriteQueue, WriteRefused, oneByOne, type Outcome, type TopicChange, type WriteRunner } from './writeQueue';

export interface PostgresStoreOptions {
  /** A libpq-style connection URL (postgres://user:pass@host:port/db). */
  url: string;
  logger?: Logger;
  /**
   * A schema of its own (created if missing) instead of the role's default: several stores
   * can share one database without seeing each other (tests). Lowercase letters, digits, _.
   */
  schema?: string;
  /** Most writes per transaction; 1 turns batching off. */
  maxBatch?: number;
  /** Most pooled connections for reads and the writer (the LISTEN connection is extra). */
  maxConnections?: number;
  /** The change feed's safety-net sweep period. */
  sweepIntervalMs?: number;
}

export interface PostgresNodeStore extends NodeStore {
  /** Transactions committed and the writes they carried. */
  readonly commitStats: { readonly commits: number; readonly writes: number };
  /** The change feed's LISTEN backend pid and counters, for tests and operators. */
  readonly changeFeedStatus: { readonly listenerPid: number | undefined; readonly reconnects: number; readonly sweeps: number };
}

/** The most rows one page query returns, whatever the caller asks. */
const MAX_PAGE = 1000;
const MAX_ID = 0x7fff_ffff_ffff_ffffn;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;
const INT8_OID = 20;

/** int8 columns come back as bigint (pg's default is a string). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Opens the PostgreSQL store: connects, migrates the schema, starts the change feed. Several
 * node processes may open the same database: they share one order per topic and see each
 * other's writes in their live subscriptions.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresNodeStore> {
  const logger = options.logger ?? silentLogger;
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new ParleyError('Node.BadConfig', 'The PostgreSQL schema name must be 1-40 lowercase letters, digits or _.', {
      details: JSON.stringify(options.schema),
    });
  }
  let config: pg.ClientConfig;
  try {
    const settings = options.schema !== undefined ? [`-c search_path=${options.schema}`] : [];
    config = { connectionString: withSessionSettings(options.url, settings), types, application_name: 'parley-node' };
    // Parses the URL now, so that a malformed one is a configuration error, not a crash later.
    new pg.Client(config);
  } catch (cause) {
    throw new ParleyError('Node.BadConfig', 'The PostgreSQL URL is not valid.', { cause });
  }
  const pool = new pg.Pool({ ...config, max: options.maxConnections ?? 10, keepAlive: true });
  pool.on('error', (error) => logger.warn('postgres: idle pooled connection lost', { error: error.message }));
  const channel = options.schema === undefined ? 'parley_changes' : `parley_changes_${options.schema}`;
  let writerPool: pg.Pool | undefined;
  try {
    const client = await pool.connect();
    let synchronousCommit: string | undefined;
    try {
      await migrate(client, options.schema);
      synchronousCommit = (await client.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`)).rows[0]?.s;
    } finally {
      client.release();
    }
    writerPool = openWriterPool(config, synchronousCommit, logger);
    const store = new PostgresStore(pool, writerPool, config, channel, logger, options);
    await store.start();
    return store;
  } catch (error) {
    await Promise.all([pool.end(), writerPool?.end()]).catch(() => undefined);
    if (error instanceof ParleyError) throw error;
    throw new ParleyError('Node.BadConfig', 'Cannot open the PostgreSQL database.', {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
}

/**
 * The writer's connection, of its own so that a burst of reads never delays an acknowledgement.
 * A writer that stalls inside a transaction (a hung or cut-off process) must not hold its
 * topics' locks for ever: the server ends such a session and the locks go with it. A server
 * whose default is synchronous_commit=off would acknowledge writes before they are flushed:
 * the writer turns it back on (any other setting flushes at least locally, and is kept).
 */
function openWriterPool(config: pg.ClientConfig, synchronousCommit: string | undefined, logger: Logger): pg.Pool {
  const settings = ['-c idle_in_transaction_session_timeout=30s'];
  if (synchronousCommit === 'off') {
    logger.warn('postgres: the server has synchronous_commit=off; parley-node turns it on for its writes');
    settings.push('-c synchronous_commit=on');
  }
  const connectionString = withSessionSettings(config.connectionString ?? '', settings);
  const writerPool = new pg.Pool({ ...config, connectionString, max: 1, keepAlive: true });
  writerPool.on('error', (error) => logger.warn('postgres: idle writer connection lost', { error: error.message }));
  return writerPool;
}

/**
 * The URL with server settings added to its `options` parameter (sent at connection start).
 * pg lets a URL's parameters override the config object's, so settings go into the URL, after
 * whatever options the operator put there.
 */
function withSessionSettings(url: string, settings: readonly string[]): string {
  if (settings.length === 0) return url;
  const parsed = new URL(url);
  const given = parsed.searchParams.get('options');
  parsed.searchParams.set('options', [given, ...settings].filter(Boolean).join(' '));
  return parsed.toString();
}

type Row = Record<string, unknown>;

const GM = 'id, created_ns, group_id, data, sender_hmac, should_push, is_commit';
const W = 'id, created_ns, installation_key, is_pointer, data, hpke_public_key, wrapper_algorithm, welcome_metadata';

class PostgresStore implements PostgresNodeStore {
  readonly backend = 'postgres' as const;
  private readonly writes: WriteQueue;
  private readonly feed: ChangeFeed;
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastNs = 0n;

  constructor(
    private readonly pool: pg.Pool,
    private readonly writerPool: pg.Pool,
    config: pg.ClientConfig,
    channel: string,
    logger: Logger,
    options: PostgresStoreOptions,
  ) {
    this.feed = new ChangeFeed({
      pool,
      listenerConfig: { ...config, application_name: 'parley-node-listener' },
      channel,
      logger,
      fetch: (kind, changes) => this.fetchChanges(kind, changes),
      ...(options.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
    });
    this.writes = new WriteQueue(writerPool, {
      maxBatch: options.maxBatch ?? 1000,
      channel,
      logger,
      // Our own commits wake the feed at once, without waiting for our NOTIFY to come back.
      onCommitted: () => this.feed.wake(),
    });
  }

  start(): Promise<void> {
    return this.feed.start();
  }

  get commitStats(): { readonly commits: number; readonly writes: number } {
    return this.writes.stats;
  }

  get changeFeedStatus(): { listenerPid: number | undefined; reconnects: number; sweeps: number } {
    return { listenerPid: this.feed.listenerPid, ...this.feed.stats };
  }

  /** Server timestamps strictly increase within a process, so equal-millisecond writes still sort. */
  private timestamp(): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.lastNs = now > this.lastNs ? now : this.lastNs + 1n;
    return this.lastNs;
  }

  private async read<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    if (this.closed) throw new ParleyError('Node.StoreClosed', 'The store is closed.');
    return (await this.pool.query<T>(text, values)).rows;
  }

  // --- identity ---------------------------------------------------------------------

  appendIdentityUpdate(input: IdentityUpdateAppend): Promise<IdentityUpdateRecord> {
    return this.writes.write({
      runner: this.identityRunner,
      input,
      locks: [advisoryKey('inbox', input.inboxId)],
      bytes: input.update.length,
    });
  }

  private readonly identityRunner = oneByOne(async (client: pg.PoolClient, input: IdentityUpdateAppend) => {
    const serverTimestampNs = this.timestamp();
    // The check and the insert in one statement; the inbox's lock keeps the log still between.
    const inserted = await client.query<{ sequence_id: bigint }>(
      `INSERT INTO identity_updates (inbox_id, server_timestamp_ns, update_bytes)
       SELECT $1, $2, $3
       WHERE (SELECT coalesce(max(sequence_id), 0) FROM identity_updates WHERE inbox_id = $1) = $4
       RETURNING sequence_id`,
      [input.inboxId, serverTimestampNs, input.update, input.expectedLastSequenceId],
    );
    const sequenceId = inserted.rows[0]?.sequence_id;
    if (sequenceId === undefined) {
      const { rows } = await client.query<{ s: bigint }>(
        'SELECT coalesce(max(sequence_id), 0) AS s FROM identity_updates WHERE inbox_id = $1',
        [input.inboxId],
      );
      throw new WriteRefused(
        new ParleyError('Node.StoreConflict', 'The inbox log changed since it was read.', {
          details: `inbox ${input.inboxId}: expected last sequence ${input.expectedLastSequenceId}, found ${rows[0]?.s ?? 0n}`,
        }),
      );
    }
    if (input.added.length > 0) {
      await client.query(
        `INSERT INTO members (member, inbox_id, association_sequence_id)
         SELECT m, $2, $3 FROM unnest($1::text[]) AS m ON CONFLICT DO NOTHING`,
        [input.added.map(memberKeyString), input.inboxId, sequenceId],
      );
    }
    if (input.removed.length > 0) {
      // Revokes the newest association of each member with this inbox, as xmtp-node-go's
      // RevokeAddressFromLog does.
      await client.query(
        `UPDATE members SET revocation_sequence_id = $3
         WHERE (member, association_sequence_id) IN (
           SELECT member, max(association_sequence_id) FROM members
           WHERE member = ANY($1::text[]) AND inbox_id = $2 GROUP BY member)`,
        [input.removed.map(memberKeyString), input.inboxId, sequenceId],
      );
    }
    return { inboxId: input.inboxId, sequenceId, serverTimestampNs, update: input.update.slice() };
  });

  async identityLog(inboxId: string): Promise<IdentityUpdateRecord[]> {
    const rows = await this.read(
      'SELECT inbox_id, sequence_id, server_timestamp_ns, update_bytes FROM identity_updates WHERE inbox_id = $1 ORDER BY sequence_id',
      [inboxId],
    );
    return rows.map(identityRow);
  }

  async identityUpdatesAfter(
    requests: readonly { inboxId: string; afterSequenceId: bigint }[],
  ): Promise<IdentityUpdateRecord[][]> {
    if (requests.length === 0) return [];
    const rows = await this.read<Row & { ord: bigint }>(
      `SELECT r.ord, u.inbox_id, u.sequence_id, u.server_timestamp_ns, u.update_bytes
       FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(inbox_id, after_id, ord)
       JOIN identity_updates u ON u.inbox_id = r.inbox_id AND u.sequence_id > r.after_id
       ORDER BY r.ord, u.sequence_id`,
      [requests.map((r) => r.inboxId), requests.map((r) => r.afterSequenceId)],
    );
    const out: IdentityUpdateRecord[][] = requests.map(() => []);
    for (const row of rows) out[Number(row.ord) - 1]?.push(identityRow(row));
    return out;
  }

  async inboxIdsFor(members: readonly MemberKey[]): Promise<(string | undefined)[]> {
    if (members.length === 0) return [];
    const rows = await this.read<{ ord: bigint; inbox_id: string | null }>(
      `SELECT r.ord, (SELECT m.inbox_id FROM members m
                      WHERE m.member = r.member AND m.revocation_sequence_id IS NULL
                      ORDER BY m.association_sequence_id DESC LIMIT 1) AS inbox_id
       FROM unnest($1::text[]) WITH ORDINALITY AS r(member, ord) ORDER BY r.ord`,
      [members.map(memberKeyString)],
    );
    return rows.map((r) => r.inbox_id ?? undefined);
  }

  // --- key packages -----------------------------------------------------------------

  putKeyPackage(input: KeyPackageInput): Promise<KeyPackageRecord> {
    return this.writes.write({
      runner: this.keyPackageRunner,
      input,
      // Two batches upserting the same keys in different orders would deadlock on the rows.
      locks: [advisoryKey('keyPackage', input.installationKey)],
      bytes: input.keyPackage.length,
    });
  }

  private readonly keyPackageRunner = oneByOne(async (client: pg.PoolClient, input: KeyPackageInput) => {
    const createdNs = this.timestamp();
    // Replaces only a row no newer than the input (the installation's lock keeps it still between).
    const { rowCount } = await client.query(
      `INSERT INTO key_packages (installation_key, inbox_id, key_package, created_ns, not_before, not_after)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (installation_key) DO UPDATE SET
         inbox_id = excluded.inbox_id, key_package = excluded.key_package, created_ns = excluded.created_ns,
         not_before = excluded.not_before, not_after = excluded.not_after
       WHERE excluded.not_before >= key_packages.not_before`,
      [input.installationKey, input.inboxId, input.keyPackage, createdNs, input.notBefore, input.notAfter],
    );
    if (rowCount === 0) {
      const { rows } = await client.query<{ not_before: bigint }>('SELECT not_before FROM key_packages WHERE installation_key = $1', [
        input.installationKey,
      ]);
      throw new WriteRefused(staleKeyPackage(input.notBefore, rows[0]?.not_before));
    }
    return {
      installationKey: input.installationKey.slice(),
      inboxId: input.inboxId,
      keyPackage: input.keyPackage.slice(),
      notBefore: input.notBefore,
      notAfter: input.notAfter,
      createdNs,
    };
  });

  async fetchKeyPackages(installationKeys: readonly Uint8Array[]): Promise<(KeyPackageRecord | undefined)[]> {
    if (installationKeys.length === 0) return [];
    const rows = await this.read<Row & { ord: bigint }>(
      `SELECT r.ord, k.installation_key, k.inbox_id, k.key_package, k.created_ns, k.not_before, k.not_after
       FROM unnest($1::bytea[]) WITH ORDINALITY AS r(key, ord)
       LEFT JOIN key_packages k ON k.installation_key = r.key ORDER BY r.ord`,
      [installationKeys],
    );
    return rows.map((row) =>
      row.installation_key === null
        ? undefined
        : {
            installationKey: bytes(row.installation_key),
            inboxId: row.inbox_id as string,
            keyPackage: bytes(row.key_package),
            notBefore: row.not_before as bigint,
            notAfter: row.not_after as bigint,
            createdNs: row.created_ns as bigint,
          },
    );
  }

  // --- welcomes ---------------------------------------------------------------------

  insertWelcomes(inputs: readonly WelcomeInput[]): Promise<WelcomeRecord[]> {
    if (inputs.length === 0) return this.noWrite([]);
    return this.writes.write({
      runner: this.welcomeRunner,
      input: inputs,
      locks: unique(inputs.map((w) => advisoryKey('welcome', w.installationKey))),
      bytes: inputs.reduce((n, w) => n + w.data.length + w.welcomeMetadata.length, 0),
    });
  }

  private readonly welcomeRunner = dedupedInsertRunner<WelcomeInput, WelcomeRecord>({
    kind: ChangeKind.welcomes,
    timestamp: () => this.timestamp(),
    hash: (w) => topicDataHash(w.installationKey, w.data),
    topic: (r) => r.installationKey,
    insert: async (client, inputs, hashes, createdNs) =>
      (
        await client.query<{ id: bigint; data_hash: Buffer }>(
          `INSERT INTO welcomes (created_ns, installation_key, is_pointer, data, hpke_public_key,
                                 wrapper_algorithm, welcome_metadata, data_hash)
           SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::boolean[], $4::bytea[], $5::bytea[],
                                $6::integer[], $7::bytea[], $8::bytea[])
           ON CONFLICT (data_hash) DO NOTHING
           RETURNING id, data_hash`,
          [
            createdNs,
            inputs.map((w) => w.installationKey),
            inputs.map((w) => w.kind === 'pointer'),
            inputs.map((w) => w.data),
            inputs.map((w) => w.hpkePublicKey),
            inputs.map((w) => w.wrapperAlgorithm),
            inputs.map((w) => w.welcomeMetadata),
            hashes,
          ],
        )
      ).rows,
    existing: async (client, hashes) =>
      (await client.query<Row>(`SELECT ${W}, data_hash FROM welcomes WHERE data_hash = ANY($1::bytea[])`, [hashes])).rows,
    fromInput: (w, id, createdNs) => ({
      id,
      createdNs,
      kind: w.kind,
      installationKey: w.installationKey.slice(),
      data: w.data.slice(),
      hpkePublicKey: w.hpkePublicKey.slice(),
      wrapperAlgorithm: w.wrapperAlgorithm,
      welcomeMetadata: w.welcomeMetadata.slice(),
    }),
    fromRow: welcomeRow,
  });

  async queryWelcomes(installationKey: Uint8Array, page: PageRequest): Promise<WelcomeRecord[]> {
    const rows = await this.read(
      page.direction === 'ascending'
        ? `SELECT ${W} FROM welcomes WHERE installation_key = $1 AND id > $2 ORDER BY id ASC LIMIT $3`
        : `SELECT ${W} FROM welcomes WHERE installation_key = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
      [installationKey, cursorOf(page), clampLimit(page.limit)],
    );
    return rows.map(welcomeRow);
  }

  // --- group messages ---------------------------------------------------------------

  insertGroupMessages(inputs: readonly GroupMessageInput[]): Promise<GroupMessageRecord[]> {
    if (inputs.length === 0) return this.noWrite([]);
    return this.writes.write({
      runner: this.groupMessageRunner,
      input: inputs,
      locks: unique(inputs.map((m) => advisoryKey('group', m.groupId))),
      bytes: inputs.reduce((n, m) => n + m.data.length, 0),
    });
  }

  private readonly groupMessageRunner = dedupedInsertRunner<GroupMessageInput, GroupMessageRecord>({
    kind: ChangeKind.groupMessages,
    timestamp: () => this.timestamp(),
    hash: (m) => topicDataHash(m.groupId, m.data),
    topic: (r) => r.groupId,
    insert: async (client, inputs, hashes, createdNs) =>
      (
        await client.query<{ id: bigint; data_hash: Buffer }>(
          `INSERT INTO group_messages (created_ns, group_id, data, sender_hmac, should_push, is_commit, data_hash)
           SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::boolean[], $6::boolean[], $7::bytea[])
           ON CONFLICT (data_hash) DO NOTHING
           RETURNING id, data_hash`,
          [
            createdNs,
            inputs.map((m) => m.groupId),
            inputs.map((m) => m.data),
            inputs.map((m) => m.senderHmac),
            inputs.map((m) => m.shouldPush),
            inputs.map((m) => m.isCommit),
            hashes,
          ],
        )
      ).rows,
    existing: async (client, hashes) =>
      (await client.query<Row>(`SELECT ${GM}, data_hash FROM group_messages WHERE data_hash = ANY($1::bytea[])`, [hashes])).rows,
    fromInput: (m, id, createdNs) => ({
      id,
      createdNs,
      groupId: m.groupId.slice(),
      data: m.data.slice(),
      senderHmac: m.senderHmac.slice(),
      shouldPush: m.shouldPush,
      isCommit: m.isCommit,
    }),
    fromRow: groupMessageRow,
  });

  async queryGroupMessages(groupId: Uint8Array, page: PageRequest): Promise<GroupMessageRecord[]> {
    const rows = await this.read(
      page.direction === 'ascending'
        ? `SELECT ${GM} FROM group_messages WHERE group_id = $1 AND id > $2 ORDER BY id ASC LIMIT $3`
        : `SELECT ${GM} FROM group_messages WHERE group_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
      [groupId, cursorOf(page), clampLimit(page.limit)],
    );
    return rows.map(groupMessageRow);
  }

  async newestGroupMessages(groupIds: readonly Uint8Array[]): Promise<(GroupMessageRecord | undefined)[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.read<Row & { ord: bigint }>(
      `SELECT r.ord, g.* FROM unnest($1::bytea[]) WITH ORDINALITY AS r(group_id, ord)
       LEFT JOIN LATERAL (SELECT ${GM} FROM group_messages WHERE group_id = r.group_id ORDER BY id DESC LIMIT 1) g ON true
       ORDER BY r.ord`,
      [groupIds],
    );
    return rows.map((row) => (row.id === null ? undefined : groupMessageRow(row)));
  }

  // --- commit log -------------------------------------------------------------------

  insertCommitLogEntries(inputs: readonly CommitLogInput[]): Promise<CommitLogRecord[]> {
    if (inputs.length === 0) return this.noWrite([]);
    return this.writes.write({
      runner: this.commitLogRunner,
      input: inputs,
      locks: unique(inputs.map((e) => advisoryKey('commitLog', e.groupId))),
      bytes: inputs.reduce((n, e) => n + e.serializedEntry.length + e.serializedSignature.length, 0),
    });
  }

  private readonly commitLogRunner = oneByOne(async (client: pg.PoolClient, inputs: readonly CommitLogInput[]) => {
    const { rows } = await client.query<{ sequence_id: bigint }>(
      `INSERT INTO commit_log (group_id, entry, signature)
       SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[])
       RETURNING sequence_id`,
      [inputs.map((e) => e.groupId), inputs.map((e) => e.serializedEntry), inputs.map((e) => e.serializedSignature)],
    );
    if (rows.length !== inputs.length) throw new Error(`commit log: ${rows.length} rows for ${inputs.length} entries`);
    assertIncreasing(rows.map((r) => r.sequence_id));
    return inputs.map((e, i) => ({
      sequenceId: rows[i]!.sequence_id,
      groupId: e.groupId.slice(),
      serializedEntry: e.serializedEntry.slice(),
      serializedSignature: e.serializedSignature.slice(),
    }));
  });

  async queryCommitLog(groupId: Uint8Array, afterSequenceId: bigint, limit: number): Promise<CommitLogRecord[]> {
    const rows = await this.read(
      `SELECT sequence_id, group_id, entry, signature FROM commit_log
       WHERE group_id = $1 AND sequence_id > $2 ORDER BY sequence_id LIMIT $3`,
      [groupId, afterSequenceId, clampLimit(limit)],
    );
    return rows.map((row) => ({
      sequenceId: row.sequence_id as bigint,
      groupId: bytes(row.group_id),
      serializedEntry: bytes(row.entry),
      serializedSignature: bytes(row.signature),
    }));
  }

  // --- retention --------------------------------------------------------------------

  /**
   * Plain statements on the read pool, not the write queue: a deletion the server loses in a
   * crash is done again by the next sweep, and it must not hold up acknowledged writes.
   */
  async deleteExpired(cutoffs: ExpiryCutoffs): Promise<{ welcomes: number; keyPackages: number }> {
    if (this.closed || this.closing) throw new ParleyError('Node.StoreClosed', 'The store is closed.');
    const limit = Math.max(1, Math.floor(cutoffs.limit));
    const welcomes =
      cutoffs.welcomesStoredBeforeNs === undefined
        ? 0
        : ((
            await this.pool.query('DELETE FROM welcomes WHERE id IN (SELECT id FROM welcomes WHERE created_ns < $1 LIMIT $2)', [
              cutoffs.welcomesStoredBeforeNs,
              limit,
            ])
          ).rowCount ?? 0);
    // Expired, or held by no inbox (the members key of an installation is its lowercase hex).
    const keyPackages =
      (
        await this.pool.query(
          `DELETE FROM key_packages WHERE installation_key IN (
             SELECT k.installation_key FROM key_packages k
             WHERE k.not_after < $1 OR (k.created_ns < $2 AND NOT EXISTS (
               SELECT 1 FROM members m
               WHERE m.member = 'installation:' || encode(k.installation_key, 'hex') AND m.revocation_sequence_id IS NULL))
             LIMIT $3)`,
          [cutoffs.keyPackagesExpiredBeforeS, cutoffs.unownedKeyPackagesStoredBeforeNs, limit],
        )
      ).rowCount ?? 0;
    return { welcomes, keyPackages };
  }

  // --- change notification ----------------------------------------------------------

  onChange(listener: StoreListener): () => void {
    return this.feed.add(listener);
  }

  /** The records of some changes of one kind, in id order (per topic, that is commit order). */
  private async fetchChanges(kind: ChangeKind, changes: readonly TopicChange[]): Promise<StoreEvent> {
    const params = [changes.map((c) => c.topic), changes.map((c) => c.firstId), changes.map((c) => c.lastId)];
    if (kind === ChangeKind.welcomes) {
      const { rows } = await this.pool.query<Row>(
        `SELECT ${W.split(', ').map((c) => `w.${c}`).join(', ')}
         FROM unnest($1::bytea[], $2::bigint[], $3::bigint[]) AS c(topic, first_id, last_id)
         JOIN welcomes w ON w.installation_key = c.topic AND w.id BETWEEN c.first_id AND c.last_id
         ORDER BY w.id`,
        params,
      );
      return { kind: 'welcomes', records: rows.map(welcomeRow) };
    }
    const { rows } = await this.pool.query<Row>(
      `SELECT ${GM.split(', ').map((c) => `g.${c}`).join(', ')}
       FROM unnest($1::bytea[], $2::bigint[], $3::bigint[]) AS c(topic, first_id, last_id)
       JOIN group_messages g ON g.group_id = c.topic AND g.id BETWEEN c.first_id AND c.last_id
       ORDER BY g.id`,
      params,
    );
    return { kind: 'groupMessages', records: rows.map(groupMessageRow) };
  }

  // --- lifecycle --------------------------------------------------------------------

  private noWrite<T>(value: T): Promise<T> {
    if (this.closed || this.closing) return Promise.reject(new ParleyError('Node.StoreClosed', 'The store is closed.'));
    return Promise.resolve(value);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writes.drain();
      this.closed = true;
      await this.feed.stop();
      await Promise.all([this.pool.end(), this.writerPool.end()]);
    })();
    return this.closing;
  }
}

interface DedupedInsert<I, R extends { id: bigint }> {
  kind: ChangeKind;
  timestamp(): bigint;
  /** The unique dedupe key: sha256 of topic and data. */
  hash(input: I): Buffer;
  topic(record: R): Uint8Array;
  /** INSERT … ON CONFLICT (data_hash) DO NOTHING RETURNING id, data_hash, for all inputs at once. */
  insert(client: pg.PoolClient, inputs: readonly I[], hashes: Buffer[], createdNs: bigint[]): Promise<{ id: bigint; data_hash: Buffer }[]>;
  /** The stored rows with these hashes (with a data_hash column). */
  existing(client: pg.PoolClient, hashes: Buffer[]): Promise<Row[]>;
  fromInput(input: I, id: bigint, createdNs: bigint): R;
  fromRow(row: Row): R;
}

/**
 * Stores the messages (or welcomes) of every call in a batch with one INSERT and, only when some
 * were already there, one SELECT. unnest yields the rows in input order and the ids are drawn
 * row by row as they are inserted, so ids increase in call order (checked: a violation rolls the
 * batch back rather than store an order nobody asked for). A message repeated, in the batch or
 * from before, maps to the one stored record; only records stored now are announced.
 */
function dedupedInsertRunner<I, R extends { id: bigint }>(spec: DedupedInsert<I, R>): WriteRunner<readonly I[], R[]> {
  return {
    async run(client, calls) {
      const all = calls.flat();
      const hashes = all.map((input) => spec.hash(input));
      const createdNs = all.map(() => spec.timestamp());
      const inserted = new Map((await spec.insert(client, all, hashes, createdNs)).map((r) => [r.data_hash.toString('hex'), r.id]));
      const byHash = new Map<string, R>();
      const fresh: R[] = [];
      all.forEach((input, i) => {
        const hash = hashes[i]!.toString('hex');
        const id = inserted.get(hash);
        if (id === undefined || byHash.has(hash)) return;
        const record = spec.fromInput(input, id, createdNs[i]!);
        byHash.set(hash, record);
        fresh.push(record);
      });
      assertIncreasing(fresh.map((r) => r.id));
      const missing = hashes.filter((h) => !byHash.has(h.toString('hex')));
      if (missing.length > 0) {
        for (const row of await spec.existing(client, missing)) {
          byHash.set((row.data_hash as Buffer).toString('hex'), spec.fromRow(row));
        }
      }
      const outcomes: Outcome<R[]>[] = [];
      let offset = 0;
      for (const call of calls) {
        const records = hashes.slice(offset, offset + call.length).map((h) => byHash.get(h.toString('hex')));
        offset += call.length;
        outcomes.push(
          records.every((r) => r !== undefined)
            ? { ok: true, value: records }
            : { ok: false, error: new Error('postgres: a deduplicated record vanished') },
        );
      }
      return { outcomes, changes: topicChanges(spec.kind, fresh, spec.topic) };
    },
  };
}

function unique(keys: readonly bigint[]): bigint[] {
  return [...new Set(keys)];
}

/** The range of ids a write added per topic: what the change feed announces. */
function topicChanges<R extends { id: bigint }>(kind: ChangeKind, records: readonly R[], topicOf: (r: R) => Uint8Array): TopicChange[] {
  const byTopic = new Map<string, TopicChange>();
  for (const r of records) {
    const topic = topicOf(r);
    const key = Buffer.from(topic).toString('hex');
    const seen = byTopic.get(key);
    if (!seen) byTopic.set(key, { kind, topic, firstId: r.id, lastId: r.id });
    else seen.lastId = r.id;
  }
  return [...byTopic.values()];
}

/** A guard on the one ordering fact the inserts rely on; a violation rolls the write back. */
function assertIncreasing(ids: readonly bigint[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) throw new Error(`postgres: ids out of input order (${ids[i - 1]} then ${ids[i]})`);
  }
}

function cursorOf(page: PageRequest): bigint {
  return page.direction === 'descending' && page.cursor === 0n ? MAX_ID : page.cursor;
}

function clampLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) return 1;
  return Math.min(limit, MAX_PAGE);
}

/** A fresh Uint8Array (not a Buffer view into pg's receive buffer) the caller may keep. */
function bytes(value: unknown): Uint8Array {
  return new Uint8Array(value as Buffer);
}

function identityRow(row: Row): IdentityUpdateRecord {
  return {
    inboxId: row.inbox_id as string,
    sequenceId: row.sequence_id as bigint,
    serverTimestampNs: row.server_timestamp_ns as bigint,
    update: bytes(row.update_bytes),
  };
}

function groupMessageRow(row: Row): GroupMessageRecord {
  return {
    id: row.id as bigint,
    createdNs: row.created_ns as bigint,
    groupId: bytes(row.group_id),
    data: bytes(row.data),
    senderHmac: bytes(row.sender_hmac),
    shouldPush: row.should_push as boolean,
    isCommit: row.is_commit as boolean,
  };
}

function welcomeRow(row: Row): WelcomeRecord {
  return {
    id: row.id as bigint,
    createdNs: row.created_ns as bigint,
    kind: row.is_pointer === true ? 'pointer' : 'v1',
    installationKey: bytes(row.installation_key),
    data: bytes(row.data),
    hpkePublicKey: bytes(row.hpke_public_key),
    wrapperAlgorithm: Number(row.wrapper_algorithm),
    welcomeMetadata: bytes(row.welcome_metadata),
  };
}
