import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ParleyError } from '../../../core/errors';
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
  StoreListener,
  WelcomeInput,
  WelcomeRecord,
} from '../types';
import { staleKeyPackage } from '../staleKeyPackage';
import { memberKeyString, topicDataHash } from '../storageKeys';
import { StoreListeners } from '../storeListeners';
import { GroupCommitQueue } from './groupCommit';
import { migrate } from './schema';

export interface SqliteStoreOptions {
  /** Directory holding parley-node.sqlite (created if missing); ':memory:' for tests. */
  dataDir: string;
  /** Most writes per group commit. */
  maxBatch?: number;
  /**
   * The caller never writes a group message's bytes again once it has passed them (the worker:
   * its inputs are read-only views into shared memory), so records may view them instead of
   * copying them.
   */
  inputsImmutable?: boolean;
}

export const SQLITE_FILE_NAME = 'parley-node.sqlite';
/** The most rows one page query returns, whatever the caller asks. */
const MAX_PAGE = 1000;

type Row = Record<string, unknown>;

/** Opens (creating or migrating) the SQLite store under `dataDir`. */
export interface SqliteNodeStore extends NodeStore {
  /** Group-commit counters: transactions committed and the writes they carried. */
  readonly commitStats: { readonly commits: number; readonly writes: number };
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteNodeStore {
  let file = ':memory:';
  if (options.dataDir !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, SQLITE_FILE_NAME);
  }
  // A short busy timeout: the data dir is held exclusively, so waiting only delays the error.
  const db = new Database(file, { timeout: 100 });
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
    db.pragma('synchronous = FULL');
    // One node process owns a data dir: its live subscriptions are fed in-process.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    if (error instanceof ParleyError) throw error;
    throw new ParleyError('Node.StoreCorrupt', 'Cannot open the SQLite data directory.', {
      details: `${file}: ${String(error)}`,
      cause: error,
    });
  }
  return new SqliteStore(db, options.maxBatch ?? 1000, options.inputsImmutable ?? false);
}

function bytes(value: unknown): Uint8Array {
  const b = value as Buffer;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

class SqliteStore implements SqliteNodeStore {
  readonly backend = 'sqlite' as const;
  private readonly writes: GroupCommitQueue;
  private readonly listeners = new StoreListeners();
  private closed = false;
  private lastNs = 0n;
  private readonly q: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Database.Database,
    maxBatch: number,
    private readonly inputsImmutable: boolean,
  ) {
    this.writes = new GroupCommitQueue(db, maxBatch);
    this.q = prepare(db);
  }

  get commitStats(): { readonly commits: number; readonly writes: number } {
    return this.writes.stats;
  }

  /** Server timestamps strictly increase, so equal-millisecond writes still sort. */
  private timestamp(): bigint {
    const now = nowNs();
    this.lastNs = now > this.lastNs ? now : this.lastNs + 1n;
    return this.lastNs;
  }

  private checkOpen(): void {
    if (this.closed) throw new ParleyError('Node.StoreClosed', 'The store is closed.');
  }

  private read<T>(fn: () => T): Promise<T> {
    try {
      this.checkOpen();
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // --- identity ---------------------------------------------------------------------

  appendIdentityUpdate(input: IdentityUpdateAppend): Promise<IdentityUpdateRecord> {
    return this.writes.write(() => {
      const last = (this.q.lastSequenceOfInbox.get(input.inboxId) as Row | undefined)?.s as bigint | null | undefined;
      const current = last ?? 0n;
      if (current !== input.expectedLastSequenceId) {
        throw new ParleyError('Node.StoreConflict', 'The inbox log changed since it was read.', {
          details: `inbox ${input.inboxId}: expected last sequence ${input.expectedLastSequenceId}, found ${current}`,
        });
      }
      const serverTimestampNs = this.timestamp();
      const info = this.q.insertIdentityUpdate.run(input.inboxId, serverTimestampNs, Buffer.from(input.update));
      const sequenceId = BigInt(info.lastInsertRowid);
      for (const m of input.added) {
        this.q.insertMember.run(memberKeyString(m), input.inboxId, sequenceId);
      }
      for (const m of input.removed) {
        this.q.revokeMember.run(sequenceId, memberKeyString(m), input.inboxId);
      }
      return { inboxId: input.inboxId, sequenceId, serverTimestampNs, update: input.update.slice() };
    });
  }

  identityLog(inboxId: string): Promise<IdentityUpdateRecord[]> {
    return this.read(() => (this.q.identityLogAfter.all(inboxId, 0n) as Row[]).map(identityRow));
  }

  identityUpdatesAfter(requests: readonly { inboxId: string; afterSequenceId: bigint }[]): Promise<IdentityUpdateRecord[][]> {
    return this.read(() =>
      requests.map((r) => (this.q.identityLogAfter.all(r.inboxId, r.afterSequenceId) as Row[]).map(identityRow)),
    );
  }

  inboxIdsFor(members: readonly MemberKey[]): Promise<(string | undefined)[]> {
    return this.read(() =>
      members.map((m) => (this.q.inboxOfMember.get(memberKeyString(m)) as Row | undefined)?.inbox_id as string | undefined),
    );
  }

  // --- key packages -----------------------------------------------------------------

  putKeyPackage(input: KeyPackageInput): Promise<KeyPackageRecord> {
    return this.writes.write(() => {
      const createdNs = this.timestamp();
      const key = Buffer.from(input.installationKey);
      // The upsert replaces only a row no newer than the input; no change means a newer one is stored.
      const info = this.q.upsertKeyPackage.run(key, input.inboxId, Buffer.from(input.keyPackage), createdNs, input.notBefore, input.notAfter);
      if (info.changes === 0) {
        const stored = (this.q.keyPackage.get(key) as Row | undefined)?.not_before as bigint | undefined;
        throw staleKeyPackage(input.notBefore, stored);
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
  }

  fetchKeyPackages(installationKeys: readonly Uint8Array[]): Promise<(KeyPackageRecord | undefined)[]> {
    return this.read(() =>
      installationKeys.map((key) => {
        const row = this.q.keyPackage.get(Buffer.from(key)) as Row | undefined;
        if (!row) return undefined;
        return {
          installationKey: bytes(row.installation_key),
          inboxId: row.inbox_id as string,
          keyPackage: bytes(row.key_package),
          notBefore: row.not_before as bigint,
          notAfter: row.not_after as bigint,
          createdNs: row.created_ns as bigint,
        };
      }),
    );
  }

  // --- welcomes ---------------------------------------------------------------------

  insertWelcomes(inputs: readonly WelcomeInput[]): Promise<WelcomeRecord[]> {
    const fresh: WelcomeRecord[] = [];
    return this.writes.write(
      () =>
        inputs.map((w) => {
          const hash = topicDataHash(w.installationKey, w.data);
          const existing = this.q.welcomeByHash.get(hash) as Row | undefined;
          if (existing) return welcomeRow(existing);
          const createdNs = this.timestamp();
          const info = this.q.insertWelcome.run(
            createdNs,
            Buffer.from(w.installationKey),
            w.kind === 'pointer' ? 1 : 0,
            Buffer.from(w.data),
            Buffer.from(w.hpkePublicKey),
            w.wrapperAlgorithm,
            Buffer.from(w.welcomeMetadata),
            hash,
          );
          const record: WelcomeRecord = {
            id: BigInt(info.lastInsertRowid),
            createdNs,
            kind: w.kind,
            installationKey: w.installationKey.slice(),
            data: w.data.slice(),
            hpkePublicKey: w.hpkePublicKey.slice(),
            wrapperAlgorithm: w.wrapperAlgorithm,
            welcomeMetadata: w.welcomeMetadata.slice(),
          };
          fresh.push(record);
          return record;
        }),
      () => this.listeners.emit({ kind: 'welcomes', records: fresh }),
    );
  }

  queryWelcomes(installationKey: Uint8Array, page: PageRequest): Promise<WelcomeRecord[]> {
    return this.read(() => {
      const key = Buffer.from(installationKey);
      const limit = clampLimit(page.limit);
      const rows =
        page.direction === 'ascending'
          ? this.q.welcomesAsc.all(key, page.cursor, limit)
          : this.q.welcomesDesc.all(key, page.cursor === 0n ? MAX_ID : page.cursor, limit);
      return (rows as Row[]).map(welcomeRow);
    });
  }

  // --- group messages ---------------------------------------------------------------

  insertGroupMessages(inputs: readonly GroupMessageInput[]): Promise<GroupMessageRecord[]> {
    const fresh: GroupMessageRecord[] = [];
    return this.writes.write(
      () =>
        inputs.map((m) => {
          const hash = topicDataHash(m.groupId, m.data);
          const createdNs = this.timestamp();
          // Inserted unless the same group and data are stored already (the dedupe index): one
          // index probe for a new message instead of a lookup and then an insert.
          const info = this.q.insertGroupMessageIfNew.run(createdNs, m.groupId, m.data, m.senderHmac, m.shouldPush ? 1 : 0, m.isCommit ? 1 : 0, hash);
          if (info.changes === 0) return groupMessageRow(this.q.groupMessageByHash.get(hash) as Row);
          const record: GroupMessageRecord = {
            id: BigInt(info.lastInsertRowid),
            createdNs,
            groupId: this.inputsImmutable ? m.groupId : m.groupId.slice(),
            data: this.inputsImmutable ? m.data : m.data.slice(),
            senderHmac: this.inputsImmutable ? m.senderHmac : m.senderHmac.slice(),
            shouldPush: m.shouldPush,
            isCommit: m.isCommit,
          };
          fresh.push(record);
          return record;
        }),
      () => this.listeners.emit({ kind: 'groupMessages', records: fresh }),
    );
  }

  queryGroupMessages(groupId: Uint8Array, page: PageRequest): Promise<GroupMessageRecord[]> {
    return this.read(() => {
      const key = Buffer.from(groupId);
      const limit = clampLimit(page.limit);
      const rows =
        page.direction === 'ascending'
          ? this.q.groupMessagesAsc.all(key, page.cursor, limit)
          : this.q.groupMessagesDesc.all(key, page.cursor === 0n ? MAX_ID : page.cursor, limit);
      return (rows as Row[]).map(groupMessageRow);
    });
  }

  newestGroupMessages(groupIds: readonly Uint8Array[]): Promise<(GroupMessageRecord | undefined)[]> {
    return this.read(() =>
      groupIds.map((g) => {
        const row = this.q.groupMessagesDesc.get(Buffer.from(g), MAX_ID, 1) as Row | undefined;
        return row ? groupMessageRow(row) : undefined;
      }),
    );
  }

  // --- commit log -------------------------------------------------------------------

  insertCommitLogEntries(inputs: readonly CommitLogInput[]): Promise<CommitLogRecord[]> {
    return this.writes.write(() =>
      inputs.map((e) => {
        const info = this.q.insertCommitLog.run(
          Buffer.from(e.groupId),
          Buffer.from(e.serializedEntry),
          Buffer.from(e.serializedSignature),
        );
        return {
          sequenceId: BigInt(info.lastInsertRowid),
          groupId: e.groupId.slice(),
          serializedEntry: e.serializedEntry.slice(),
          serializedSignature: e.serializedSignature.slice(),
        };
      }),
    );
  }

  queryCommitLog(groupId: Uint8Array, afterSequenceId: bigint, limit: number): Promise<CommitLogRecord[]> {
    return this.read(() =>
      (this.q.commitLogAfter.all(Buffer.from(groupId), afterSequenceId, clampLimit(limit)) as Row[]).map((row) => ({
        sequenceId: row.sequence_id as bigint,
        groupId: bytes(row.group_id),
        serializedEntry: bytes(row.entry),
        serializedSignature: bytes(row.signature),
      })),
    );
  }

  // --- retention --------------------------------------------------------------------

  deleteExpired(cutoffs: ExpiryCutoffs): Promise<{ welcomes: number; keyPackages: number }> {
    return this.writes.write(() => {
      const limit = Math.max(1, Math.floor(cutoffs.limit));
      const welcomes =
        cutoffs.welcomesStoredBeforeNs === undefined ? 0 : this.q.deleteOldWelcomes.run(cutoffs.welcomesStoredBeforeNs, limit).changes;
      const keyPackages = this.q.deleteDeadKeyPackages.run(cutoffs.keyPackagesExpiredBeforeS, cutoffs.unownedKeyPackagesStoredBeforeNs, limit).changes;
      return { welcomes, keyPackages };
    });
  }

  // --- lifecycle --------------------------------------------------------------------

  onChange(listener: StoreListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes.drain();
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }
}

const MAX_ID = 0x7fff_ffff_ffff_ffffn;

function clampLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) return 1;
  return Math.min(limit, MAX_PAGE);
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
    shouldPush: row.should_push === 1n,
    isCommit: row.is_commit === 1n,
  };
}

function welcomeRow(row: Row): WelcomeRecord {
  return {
    id: row.id as bigint,
    createdNs: row.created_ns as bigint,
    kind: row.kind === 1n ? 'pointer' : 'v1',
    installationKey: bytes(row.installation_key),
    data: bytes(row.data),
    hpkePublicKey: bytes(row.hpke_public_key),
    wrapperAlgorithm: Number(row.wrapper_algorithm),
    welcomeMetadata: bytes(row.welcome_metadata),
  };
}

function prepare(db: Database.Database) {
  const GM = 'id, created_ns, group_id, data, sender_hmac, should_push, is_commit';
  const W = 'id, created_ns, installation_key, kind, data, hpke_public_key, wrapper_algorithm, welcome_metadata';
  return {
    lastSequenceOfInbox: db.prepare('SELECT MAX(sequence_id) AS s FROM identity_updates WHERE inbox_id = ?'),
    insertIdentityUpdate: db.prepare(
      'INSERT INTO identity_updates (inbox_id, server_timestamp_ns, update_bytes) VALUES (?, ?, ?)',
    ),
    identityLogAfter: db.prepare(
      'SELECT * FROM identity_updates WHERE inbox_id = ? AND sequence_id > ? ORDER BY sequence_id',
    ),
    insertMember: db.prepare(
      'INSERT OR IGNORE INTO members (member, inbox_id, association_sequence_id) VALUES (?, ?, ?)',
    ),
    // Revokes the newest association of that member with that inbox, as xmtp-node-go's
    // RevokeAddressFromLog does.
    revokeMember: db.prepare(`UPDATE members SET revocation_sequence_id = ?
      WHERE (member, association_sequence_id) = (
        SELECT member, MAX(association_sequence_id) FROM members WHERE member = ? AND inbox_id = ?)`),
    inboxOfMember: db.prepare(`SELECT inbox_id FROM members
      WHERE member = ? AND revocation_sequence_id IS NULL
      ORDER BY association_sequence_id DESC LIMIT 1`),
    upsertKeyPackage: db.prepare(`INSERT INTO key_packages (installation_key, inbox_id, key_package, created_ns, not_before, not_after)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (installation_key) DO UPDATE SET
      inbox_id = excluded.inbox_id, key_package = excluded.key_package, created_ns = excluded.created_ns,
      not_before = excluded.not_before, not_after = excluded.not_after
      WHERE excluded.not_before >= key_packages.not_before`),
    keyPackage: db.prepare('SELECT * FROM key_packages WHERE installation_key = ?'),
    // By the welcomes_by_age index; no ORDER BY, which would walk the whole table by id instead.
    deleteOldWelcomes: db.prepare('DELETE FROM welcomes WHERE id IN (SELECT id FROM welcomes WHERE created_ns < ? LIMIT ?)'),
    // Expired, or held by no inbox (the members key of an installation is its lowercase hex).
    deleteDeadKeyPackages: db.prepare(`DELETE FROM key_packages WHERE installation_key IN (
      SELECT k.installation_key FROM key_packages k
      WHERE k.not_after < ? OR (k.created_ns < ? AND NOT EXISTS (
        SELECT 1 FROM members m
        WHERE m.member = 'installation:' || lower(hex(k.installation_key)) AND m.revocation_sequence_id IS NULL))
      LIMIT ?)`),
    welcomeByHash: db.prepare(`SELECT ${W} FROM welcomes WHERE data_hash = ?`),
    insertWelcome: db.prepare(`INSERT INTO welcomes
      (created_ns, installation_key, kind, data, hpke_public_key, wrapper_algorithm, welcome_metadata, data_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    welcomesAsc: db.prepare(
      `SELECT ${W} FROM welcomes WHERE installation_key = ? AND id > ? ORDER BY id ASC LIMIT ?`,
    ),
    welcomesDesc: db.prepare(
      `SELECT ${W} FROM welcomes WHERE installation_key = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    groupMessageByHash: db.prepare(`SELECT ${GM} FROM group_messages WHERE data_hash = ?`),
    insertGroupMessageIfNew: db.prepare(`INSERT INTO group_messages
      (created_ns, group_id, data, sender_hmac, should_push, is_commit, data_hash) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (data_hash) DO NOTHING`),
    groupMessagesAsc: db.prepare(
      `SELECT ${GM} FROM group_messages WHERE group_id = ? AND id > ? ORDER BY id ASC LIMIT ?`,
    ),
    groupMessagesDesc: db.prepare(
      `SELECT ${GM} FROM group_messages WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    insertCommitLog: db.prepare('INSERT INTO commit_log (group_id, entry, signature) VALUES (?, ?, ?)'),
    commitLogAfter: db.prepare(
      'SELECT * FROM commit_log WHERE group_id = ? AND sequence_id > ? ORDER BY sequence_id LIMIT ?',
    ),
  };
}
