import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../core/errors';
import type {
  ClientStore,
  ExpiredWindow,
  GroupQuery,
  GroupRecord,
  GroupStateRecord,
  IdentityLogRecord,
  IdentityRecord,
  IntentRecord,
  KeyPackageRecord,
  MessageQuery,
  MessageRecord,
  StoreBatch,
  StoreOp,
} from '../core/client/store';
import { kdfFromJson, kdfToJson, keyFromPassphrase, newPassphraseKdf, type PassphraseKdf, type ScryptParams } from './passphraseKey';
import { deriveRecordKeys, nameOf, openRecord, sealRecord, wipeRecordKeys, type RecordKeys } from './recordCipher';
import { decodeRecord, encodeRecord } from './recordCodec';
import { migrate } from './sqliteSchema';

export interface SqliteClientStoreOptions {
  /** The database file; created when missing (its directory must exist). */
  path: string;
  /**
   * Encrypts every record at rest: 32 raw key bytes, or a passphrase (scrypt, its salt kept in the
   * store). Without a key records are stored in clear. A store keeps the choice it was created with.
   */
  key?: Uint8Array | { passphrase: string; scrypt?: ScryptParams };
}

type Table = 'identity' | 'groups' | 'group_states' | 'messages' | 'intents' | 'key_packages' | 'cursors' | 'identity_logs';

const ENCRYPTION_NONE = 'none';
const ENCRYPTION_AES_GCM = 'aes-256-gcm';
const KEY_CHECK = utf8ToBytes('parley agent store key check');
const U64_MAX = (1n << 64n) - 1n;

/**
 * Opens (or creates) a SQLite ClientStore for one agent (DESIGN §5 applied to agents): WAL with
 * synchronous=FULL so a committed batch survives a crash or power loss, every batch in one
 * transaction, and records sealed with AES-256-GCM when a key is given.
 *
 * The connection holds the file in EXCLUSIVE locking mode for as long as it is open: the client
 * caches MLS state in memory, so a second process writing the same store would fork its groups.
 * A second open fails with Agent.StoreBusy instead.
 */
export async function openSqliteClientStore(options: SqliteClientStoreOptions): Promise<SqliteClientStore> {
  const db = openDatabase(options.path);
  try {
    const keys = await setUpEncryption(db, options.key);
    return new SqliteClientStore(db, keys);
  } catch (e) {
    db.close();
    throw e;
  }
}

function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    createPrivateFile(path);
    db = new Database(path);
    // EXCLUSIVE before WAL: the WAL index then lives in heap memory, not a shared -shm file, and
    // the first write takes a lock that is kept until close.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const opened = db;
    opened.transaction(() => migrate(opened)).immediate();
    return opened;
  } catch (e) {
    db?.close();
    throw sqliteError(e, path);
  }
}

/** Owner-only from the start: SQLite gives its -wal file the main file's mode. */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
  }
}

async function setUpEncryption(db: Database.Database, key: SqliteClientStoreOptions['key']): Promise<RecordKeys | undefined> {
  const meta = (k: string): Buffer | undefined => (db.prepare('SELECT v FROM meta WHERE k = ?').get(k) as { v: Buffer } | undefined)?.v;
  const encryption = meta('encryption')?.toString('utf8');
  const corrupt = (details: string) => new ParleyError('Agent.StoreCorrupt', 'The store’s key parameters are malformed.', { details });
  if (encryption === undefined) return initialiseEncryption(db, key);
  if (encryption === ENCRYPTION_NONE) {
    if (key !== undefined) throw new ParleyError('Agent.NotEncrypted', 'This store was created without encryption; it cannot be opened with a key.');
    return undefined;
  }
  if (encryption !== ENCRYPTION_AES_GCM) throw corrupt(`unknown encryption ${JSON.stringify(encryption.slice(0, 32))}`);
  if (key === undefined) throw new ParleyError('Agent.KeyRequired', 'This store is encrypted: give its key or passphrase.');
  const kdfBytes = meta('kdf');
  let master: Uint8Array;
  if (key instanceof Uint8Array) {
    if (kdfBytes !== undefined) throw new ParleyError('Agent.WrongKey', 'This store is protected by a passphrase, not a raw key.');
    master = checkedRawKey(key).slice();
  } else {
    if (kdfBytes === undefined) throw new ParleyError('Agent.WrongKey', 'This store is protected by a raw key, not a passphrase.');
    let json: unknown;
    try {
      json = JSON.parse(kdfBytes.toString('utf8'));
    } catch {
      throw corrupt('KDF parameters are not JSON');
    }
    master = await keyFromPassphrase(key.passphrase, kdfFromJson(json, corrupt));
  }
  const keys = deriveRecordKeys(master);
  master.fill(0);
  const check = meta('keycheck');
  let opened: Uint8Array;
  try {
    if (check === undefined) throw corrupt('no key check');
    opened = openRecord(keys, associatedData('meta', 'keycheck'), check);
  } catch (e) {
    wipeRecordKeys(keys);
    if (e instanceof ParleyError && e.code === 'Agent.StoreCorrupt' && check !== undefined) {
      throw new ParleyError('Agent.WrongKey', 'Wrong key or passphrase for this store.');
    }
    throw e;
  }
  if (!equalBytes(opened, KEY_CHECK)) {
    wipeRecordKeys(keys);
    throw corrupt('the key check holds other text');
  }
  return keys;
}

async function initialiseEncryption(db: Database.Database, key: SqliteClientStoreOptions['key']): Promise<RecordKeys | undefined> {
  const put = db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)');
  if (key === undefined) {
    put.run('encryption', Buffer.from(ENCRYPTION_NONE));
    return undefined;
  }
  let master: Uint8Array;
  let kdf: PassphraseKdf | undefined;
  if (key instanceof Uint8Array) {
    master = checkedRawKey(key).slice();
  } else {
    kdf = newPassphraseKdf(key.scrypt);
    master = await keyFromPassphrase(key.passphrase, kdf);
  }
  const keys = deriveRecordKeys(master);
  master.fill(0);
  const check = sealRecord(keys, associatedData('meta', 'keycheck'), KEY_CHECK);
  db.transaction(() => {
    put.run('encryption', Buffer.from(ENCRYPTION_AES_GCM));
    if (kdf !== undefined) put.run('kdf', Buffer.from(JSON.stringify(kdfToJson(kdf))));
    put.run('keycheck', check);
  })();
  return keys;
}

function checkedRawKey(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new ParleyError('Client.BadInput', 'A raw store key is 32 bytes.', { details: `${key.length} bytes` });
  return key;
}

/** Binds a sealed record to its table and stored key, so a row copied over another fails to open. */
function associatedData(table: Table | 'meta', k: string): Uint8Array {
  return utf8ToBytes(`parley agent store v1\u0000${table}\u0000${k}`);
}

interface PreparedRow {
  run(): void;
}

/** The ClientStore over one SQLite connection; see openSqliteClientStore. */
export class SqliteClientStore implements ClientStore {
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly keys: RecordKeys | undefined,
  ) {}

  /** True when records are sealed at rest. */
  get encrypted(): boolean {
    return this.keys !== undefined;
  }

  async getIdentity(): Promise<IdentityRecord | undefined> {
    return this.getOne<IdentityRecord>('identity', this.name('identity', 'self'));
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return this.getOne<GroupRecord>('groups', this.name('group', groupId));
  }

  async listGroups(query: GroupQuery = {}): Promise<GroupRecord[]> {
    this.checkOpen();
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.kind !== undefined) {
      where.push('kind = ?');
      params.push(query.kind);
    }
    if (query.dmId !== undefined) {
      where.push('dm = ?');
      params.push(this.name('dm', query.dmId));
    }
    if (query.consentStates !== undefined) {
      if (query.consentStates.length === 0) return [];
      where.push(`consent IN (${query.consentStates.map(() => '?').join(', ')})`);
      params.push(...query.consentStates);
    }
    const sql = `SELECT k, body FROM groups${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const groups = this.decodeRows<GroupRecord>('groups', this.rows(sql, params));
    return groups.sort((a, b) => cmpBig(a.createdAtNs, b.createdAtNs) || cmpStr(a.id, b.id));
  }

  async getGroupState(groupId: string): Promise<GroupStateRecord | undefined> {
    return this.getOne<GroupStateRecord>('group_states', this.name('group', groupId));
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    return this.getOne<MessageRecord>('messages', this.name('message', messageId));
  }

  /**
   * SQL narrows by group, time, kind and status and applies the limit by time; rows sharing the
   * boundary time are all read, so the (sentAtNs, id) order is exact even when ids are sealed.
   */
  async listMessages(groupId: string, query: MessageQuery = {}): Promise<MessageRecord[]> {
    this.checkOpen();
    const limit = query.limit === undefined || query.limit === Infinity ? undefined : Number.isNaN(query.limit) ? 0 : Math.max(0, Math.floor(query.limit));
    if (limit === 0) return [];
    const where = ['grp = ?'];
    const params: unknown[] = [this.name('group', groupId)];
    if (query.beforeNs !== undefined) {
      if (query.beforeNs <= 0n) return [];
      if (query.beforeNs <= U64_MAX) {
        where.push('sent_at < ?');
        params.push(u64Bytes(query.beforeNs));
      }
    }
    if (query.afterNs !== undefined && query.afterNs >= 0n) {
      if (query.afterNs >= U64_MAX) return [];
      where.push('sent_at > ?');
      params.push(u64Bytes(query.afterNs));
    }
    if (query.kind !== undefined) {
      where.push('kind = ?');
      params.push(query.kind);
    }
    if (query.deliveryStatus !== undefined) {
      where.push('status = ?');
      params.push(query.deliveryStatus);
    }
    const descending = query.direction === 'descending';
    const order = descending ? 'DESC' : 'ASC';
    const base = `SELECT k, body, sent_at FROM messages WHERE ${where.join(' AND ')}`;
    let rows: { k: string; body: Buffer; sent_at: Buffer }[];
    if (limit === undefined) {
      rows = this.rows(`${base} ORDER BY sent_at ${order}`, params);
    } else {
      rows = this.rows(`${base} ORDER BY sent_at ${order} LIMIT ?`, [...params, limit]);
      const boundary = rows.length === limit ? rows[limit - 1]?.sent_at : undefined;
      if (boundary !== undefined) rows = this.rows(`${base} AND sent_at ${descending ? '>=' : '<='} ?`, [...params, boundary]);
    }
    const messages = this.decodeRows<MessageRecord>('messages', rows).sort((a, b) => cmpBig(a.sentAtNs, b.sentAtNs) || cmpStr(a.id, b.id));
    if (descending) messages.reverse();
    return limit === undefined ? messages : messages.slice(0, limit);
  }

  async getIntent(intentId: string): Promise<IntentRecord | undefined> {
    return this.getOne<IntentRecord>('intents', this.name('intent', intentId));
  }

  async listIntents(groupId?: string): Promise<IntentRecord[]> {
    this.checkOpen();
    const rows =
      groupId === undefined ? this.rows('SELECT k, body FROM intents', []) : this.rows('SELECT k, body FROM intents WHERE grp = ?', [this.name('group', groupId)]);
    return this.decodeRows<IntentRecord>('intents', rows).sort((a, b) => cmpBig(a.createdAtNs, b.createdAtNs) || cmpStr(a.id, b.id));
  }

  async getKeyPackage(keyPackageId: string): Promise<KeyPackageRecord | undefined> {
    return this.getOne<KeyPackageRecord>('key_packages', this.name('keyPackage', keyPackageId));
  }

  async listKeyPackages(): Promise<KeyPackageRecord[]> {
    this.checkOpen();
    const rows = this.rows('SELECT k, body FROM key_packages', []);
    return this.decodeRows<KeyPackageRecord>('key_packages', rows).sort((a, b) => cmpBig(a.createdAtNs, b.createdAtNs) || cmpStr(a.id, b.id));
  }

  async getCursor(key: string): Promise<bigint | undefined> {
    const record = await this.getOne<{ key: string; value: bigint }>('cursors', this.name('cursor', key));
    if (record !== undefined && typeof record.value !== 'bigint') throw new ParleyError('Agent.StoreCorrupt', 'A stored cursor is not a number.');
    return record?.value;
  }

  async getIdentityLog(inboxId: string): Promise<IdentityLogRecord | undefined> {
    return this.getOne<IdentityLogRecord>('identity_logs', this.name('inbox', inboxId));
  }

  /** Encodes and seals every record first (a bad record leaves nothing written), then writes them in one transaction. */
  async commit(batch: StoreBatch): Promise<void> {
    this.checkOpen();
    const rows = batch.map((op) => this.prepareOp(op));
    try {
      this.db.transaction(() => {
        for (const row of rows) row.run();
      }).immediate();
    } catch (e) {
      throw sqliteError(e);
    }
  }

  /** One DELETE over the (grp, sent_at) index; kind and status are clear columns, so sealed rows need no opening. */
  async deleteExpiredMessages(groupId: string, window: ExpiredWindow): Promise<number> {
    this.checkOpen();
    if (window.toNs < 0n || window.fromNs > U64_MAX || window.fromNs > window.toNs) return 0;
    const from = u64Bytes(window.fromNs < 0n ? 0n : window.fromNs);
    const to = u64Bytes(window.toNs > U64_MAX ? U64_MAX : window.toNs);
    const grp = this.name('group', text(groupId, 'group id'));
    try {
      const statement = this.statement("DELETE FROM messages WHERE grp = ? AND sent_at >= ? AND sent_at <= ? AND kind = 'application' AND status = 'published'");
      return this.db.transaction(() => statement.run(grp, from, to).changes).immediate();
    } catch (e) {
      throw sqliteError(e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
    if (this.keys !== undefined) wipeRecordKeys(this.keys);
  }

  private prepareOp(op: StoreOp): PreparedRow {
    switch (op.op) {
      case 'putIdentity':
        return this.put('identity', this.name('identity', 'self'), op.record);
      case 'putGroup': {
        const r = op.record;
        const k = this.name('group', text(r.id, 'group id'));
        const dm = r.dmId === undefined ? null : this.name('dm', text(r.dmId, 'dmId'));
        const body = this.seal('groups', k, r);
        const kind = text(r.kind, 'group kind');
        const consent = text(r.consentState, 'consent state');
        return this.write('INSERT OR REPLACE INTO groups (k, kind, consent, dm, body) VALUES (?, ?, ?, ?, ?)', [k, kind, consent, dm, body]);
      }
      case 'putGroupState':
        return this.put('group_states', this.name('group', text(op.record.groupId, 'group id')), op.record);
      case 'deleteGroupState':
        return this.remove('group_states', this.name('group', text(op.groupId, 'group id')));
      case 'putMessage': {
        const r = op.record;
        const k = this.name('message', text(r.id, 'message id'));
        const grp = this.name('group', text(r.groupId, 'group id'));
        const sentAt = u64Bytes(r.sentAtNs);
        const body = this.seal('messages', k, r);
        return this.write('INSERT OR REPLACE INTO messages (k, grp, sent_at, kind, status, body) VALUES (?, ?, ?, ?, ?, ?)', [
          k,
          grp,
          sentAt,
          text(r.kind, 'message kind'),
          text(r.deliveryStatus, 'delivery status'),
          body,
        ]);
      }
      case 'deleteMessage':
        return this.remove('messages', this.name('message', text(op.messageId, 'message id')));
      case 'putIntent': {
        const k = this.name('intent', text(op.record.id, 'intent id'));
        const grp = this.name('group', text(op.record.groupId, 'group id'));
        return this.write('INSERT OR REPLACE INTO intents (k, grp, body) VALUES (?, ?, ?)', [k, grp, this.seal('intents', k, op.record)]);
      }
      case 'deleteIntent':
        return this.remove('intents', this.name('intent', text(op.intentId, 'intent id')));
      case 'putKeyPackage':
        return this.put('key_packages', this.name('keyPackage', text(op.record.id, 'key package id')), op.record);
      case 'deleteKeyPackage':
        return this.remove('key_packages', this.name('keyPackage', text(op.keyPackageId, 'key package id')));
      case 'setCursor': {
        if (typeof op.value !== 'bigint') throw new ParleyError('Client.BadInput', 'A cursor is a bigint.');
        return this.put('cursors', this.name('cursor', text(op.key, 'cursor key')), { key: op.key, value: op.value });
      }
      case 'putIdentityLog':
        return this.put('identity_logs', this.name('inbox', text(op.record.inboxId, 'inbox id')), op.record);
      default:
        throw new ParleyError('Client.BadInput', 'Unknown store operation.', { details: String((op as { op: unknown }).op).slice(0, 40) });
    }
  }

  private put(table: Exclude<Table, 'groups' | 'messages' | 'intents'>, k: string, record: object): PreparedRow {
    return this.write(`INSERT OR REPLACE INTO ${table} (k, body) VALUES (?, ?)`, [k, this.seal(table, k, record)]);
  }

  private remove(table: Table, k: string): PreparedRow {
    return this.write(`DELETE FROM ${table} WHERE k = ?`, [k]);
  }

  private write(sql: string, params: unknown[]): PreparedRow {
    const statement = this.statement(sql);
    return { run: () => void statement.run(...params) };
  }

  private getOne<T>(table: Table, k: string): Promise<T | undefined> {
    try {
      this.checkOpen();
      const row = this.statement(`SELECT body FROM ${table} WHERE k = ?`).get(k) as { body: Buffer } | undefined;
      return Promise.resolve(row === undefined ? undefined : this.open<T>(table, k, row.body));
    } catch (e) {
      return Promise.reject(e instanceof ParleyError ? e : sqliteError(e));
    }
  }

  private rows<R = { k: string; body: Buffer }>(sql: string, params: unknown[]): R[] {
    try {
      return this.statement(sql).all(...params) as R[];
    } catch (e) {
      throw sqliteError(e);
    }
  }

  private decodeRows<T>(table: Table, rows: readonly { k: string; body: Buffer }[]): T[] {
    return rows.map((row) => this.open<T>(table, row.k, row.body));
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** The stored key of an id: the id itself in a clear store, its HMAC name in an encrypted one. */
  private name(domain: string, id: string): string {
    return this.keys === undefined ? id : nameOf(this.keys, domain, id);
  }

  private seal(table: Table, k: string, record: object): Uint8Array {
    const bytes = encodeRecord(record);
    if (this.keys === undefined) return bytes;
    try {
      return sealRecord(this.keys, associatedData(table, k), bytes);
    } finally {
      bytes.fill(0);
    }
  }

  private open<T>(table: Table, k: string, body: Uint8Array): T {
    if (this.keys === undefined) return decodeRecord(body) as T;
    const plain = openRecord(this.keys, associatedData(table, k), body);
    try {
      return decodeRecord(plain) as T;
    } finally {
      plain.fill(0);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ParleyError('Client.StoreClosed', 'The client store is closed.');
  }
}

/** SQLite's failures as typed errors: a lock held elsewhere, a file that is not a store, anything else. */
function sqliteError(e: unknown, path?: string): unknown {
  if (e instanceof ParleyError) return e;
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  const details = [path, e instanceof Error ? e.message : String(e)].filter(Boolean).join(': ');
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new ParleyError('Agent.StoreBusy', 'The store is in use by another process.', { details, cause: e });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new ParleyError('Agent.StoreCorrupt', 'The store file is not a Parley store or is damaged.', { details, cause: e });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return new ParleyError('Client.BadInput', 'The store file cannot be opened.', { details, cause: e });
  return new ParleyError('Agent.StoreFailed', 'The store could not read or write its file.', { details, cause: e });
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ParleyError('Client.BadInput', `A store record's ${field} is not a string.`);
  return value;
}

/** Big-endian u64: byte order is numeric order, so SQLite's blob comparison sorts by time. */
function u64Bytes(value: unknown): Buffer {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new ParleyError('Client.BadInput', 'A store time is not a u64 bigint.', { details: String(value).slice(0, 40) });
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(value);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
