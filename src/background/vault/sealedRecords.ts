import type { DBSchema, IDBPDatabase, IDBPIndex } from 'idb';
import { openDB, unwrap } from 'idb';
import { ParleyError } from '../../core/errors';
import type { Keyring, KeyringMeta } from './keyring';
import type { UnlockThrottleMeta } from './unlockThrottle';
import { RecordCache } from './recordCache';
import { decodeRecord, encodeRecord } from './recordCodec';

/*
 * Every record of the extension in one IndexedDB object store, each sealed with AES-GCM under
 * the vault key and stored under an opaque key (DESIGN §5: a dump shows no key, message or
 * name). A record is named by (scope, kind, key): scope is "vault" or an identity id, kind
 * the record type, key its id. The row keeps:
 *   k  HMAC(scope, kind, key)       primary key, and the AES-GCM associated data
 *   o  HMAC(scope, kind)            to list a kind
 *   g  HMAC(scope, group id)        messages only, with
 *   t  sentAtNs, 20 digits          so a page of a conversation is one index range
 * The message times are in the clear: the node sees them too, and without them every page
 * of messages would decrypt the whole conversation.
 */

export interface SealedRow {
  k: string;
  o: string;
  v: Uint8Array;
  g?: string;
  t?: string;
}

interface VaultSchema extends DBSchema {
  meta: { key: string; value: KeyringMeta | UnlockThrottleMeta };
  records: { key: string; value: SealedRow; indexes: { owner: string; groupTime: [string, string] } };
}

export type VaultDb = IDBPDatabase<VaultSchema>;

export const DEFAULT_DB_NAME = 'parley-vault';

export function openVaultDb(name = DEFAULT_DB_NAME): Promise<VaultDb> {
  return openDB<VaultSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('meta', { keyPath: 'name' });
      const records = db.createObjectStore('records', { keyPath: 'k' });
      records.createIndex('owner', 'o');
      records.createIndex('groupTime', ['g', 't']);
    },
  });
}

export interface RecordName {
  scope: string;
  kind: string;
  key: string;
}

/** A message's place in its conversation's time index. */
export interface TimeSlot {
  groupId: string;
  sentAtNs: bigint;
}

/**
 * `plain` is the sealed record's plaintext, kept for the cache once the write commits; `o`
 * lets the cache keep the kind's list whole.
 */
export type PreparedWrite = { put: SealedRow; plain?: Uint8Array } | { delete: string; o?: string };

const SEP = '\u0000';
const U64_DIGITS = 20;

/** Zero-padded so that string order is time order. Times before 1970 sort first. */
export function timeKey(ns: bigint): string {
  const clamped = ns < 0n ? 0n : ns > 99_999_999_999_999_999_999n ? 99_999_999_999_999_999_999n : ns;
  return clamped.toString().padStart(U64_DIGITS, '0');
}

type GroupTimeIndex = IDBPIndex<VaultSchema, ['records'], 'records', 'groupTime', 'readonly'>;
type Direction = 'next' | 'prev';

/** IDBIndex.getAllRecords (Chromium 141+): a page in either direction as one request. */
interface RecordsIndex {
  getAllRecords(options: { query: IDBKeyRange; count?: number; direction: Direction }): IDBRequest<{ value: SealedRow }[]>;
}

function hasGetAllRecords(index: GroupTimeIndex): boolean {
  return typeof (unwrap(index) as unknown as Partial<RecordsIndex>).getAllRecords === 'function';
}

function requestOf<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * A page in one or two requests: the `count` rows, then (when the page is full) every row at
 * the last row's time, for the caller's tie order. A cursor takes a round trip per few rows,
 * and its readonly transaction holds back the next message's write on the same store for as
 * long (bench:e2e: the unread recount's 100-row page delayed the next received message).
 */
async function pageByRecords(index: GroupTimeIndex, keyRange: IDBKeyRange, range: { direction: Direction; count?: number }): Promise<SealedRow[]> {
  const raw = unwrap(index) as unknown as RecordsIndex;
  const options: { query: IDBKeyRange; count?: number; direction: Direction } = { query: keyRange, direction: range.direction };
  if (range.count !== undefined) options.count = range.count;
  if (range.count === 0) return [];
  const rows = (await requestOf(raw.getAllRecords(options))).map((r) => r.value);
  const last = rows.at(-1);
  if (range.count === undefined || rows.length < range.count || last?.t === undefined || last.g === undefined) return rows;
  const seen = new Set(rows.map((r) => r.k));
  // The tie rows within the page's own bounds (the range may exclude the last time on neither side: it is inside it).
  const ties = (await requestOf(raw.getAllRecords({ query: IDBKeyRange.only([last.g, last.t]), direction: range.direction }))).map((r) => r.value);
  for (const row of ties) if (!seen.has(row.k)) rows.push(row);
  return rows;
}

async function pageByCursor(index: GroupTimeIndex, keyRange: IDBKeyRange, range: { direction: Direction; count?: number }): Promise<SealedRow[]> {
  const rows: SealedRow[] = [];
  let cursor = await index.openCursor(keyRange, range.direction);
  let lastTime: string | undefined;
  while (cursor) {
    const row = cursor.value;
    if (range.count !== undefined && rows.length >= range.count && row.t !== lastTime) break;
    rows.push(row);
    lastTime = row.t;
    cursor = await cursor.continue();
  }
  return rows;
}

/** Record names tagged at most before the tag memo starts over (message ids add one each). */
const MAX_TAGS = 20_000;

export class SealedRecords {
  /** Decrypted records, write-through; dropped with `clearCache` when the vault locks. */
  private readonly cache = new RecordCache();
  /** name → HMAC tag: deterministic under one keyring, so computed once per unlock. */
  private readonly tags = new Map<string, string>();
  private unlockEpoch = 0;
  /** Cache misses of this turn, read together in one transaction. */
  private pendingReads: { k: string; resolve: (row: SealedRow | undefined) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly db: VaultDb,
    private readonly keyring: () => Keyring,
  ) {}

  /** On lock: every cached plaintext wiped, every memo dropped. */
  clearCache(): void {
    this.unlockEpoch++;
    this.cache.clear();
    this.tags.clear();
  }

  private async tag(name: string): Promise<string> {
    const keyring = this.keyring();
    const known = this.tags.get(name);
    if (known !== undefined) return known;
    const epoch = this.unlockEpoch;
    const tag = await keyring.tag(name);
    // Locked meanwhile: the names are not kept past the lock.
    if (epoch === this.unlockEpoch) {
      if (this.tags.size >= MAX_TAGS) this.tags.clear();
      this.tags.set(name, tag);
    }
    return tag;
  }

  private recordTag(name: RecordName): Promise<string> {
    return this.tag([name.scope, name.kind, name.key].join(SEP));
  }

  private ownerTag(scope: string, kind: string): Promise<string> {
    return this.tag([scope, kind].join(SEP) + SEP + SEP);
  }

  private groupTag(scope: string, groupId: string): Promise<string> {
    return this.tag([scope, 'group-time', groupId].join(SEP) + SEP + SEP + SEP);
  }

  private async openBytes(row: SealedRow): Promise<Uint8Array> {
    const cached = this.cache.lookup(row.k)?.bytes;
    if (cached) return cached.slice();
    return this.keyring().open(row.k, row.v);
  }

  /** Reads the rows of every miss asked for in this turn in one readonly transaction. */
  private readRow(k: string): Promise<SealedRow | undefined> {
    return new Promise((resolve, reject) => {
      this.pendingReads.push({ k, resolve, reject });
      if (this.pendingReads.length > 1) return;
      queueMicrotask(() => {
        const batch = this.pendingReads;
        this.pendingReads = [];
        try {
          const tx = this.db.transaction('records', 'readonly');
          for (const read of batch) tx.store.get(read.k).then(read.resolve, read.reject);
          tx.done.catch((e: unknown) => batch.forEach((read) => read.reject(e)));
        } catch (e) {
          batch.forEach((read) => read.reject(e));
        }
      });
    });
  }

  async get(name: RecordName): Promise<unknown> {
    const k = await this.recordTag(name);
    const hit = this.cache.lookup(k);
    if (hit) return hit.bytes ? decodeRecord(hit.bytes) : undefined;
    const version = this.cache.version;
    const row = await this.readRow(k);
    if (!row) {
      this.cache.fill(version, k, undefined, null);
      return undefined;
    }
    const bytes = await this.keyring().open(row.k, row.v);
    const value = decodeRecord(bytes);
    this.cache.fill(version, k, row.o, bytes);
    return value;
  }

  async list(scope: string, kind: string): Promise<unknown[]> {
    const o = await this.ownerTag(scope, kind);
    const cached = this.cache.listOwner(o);
    if (cached) return cached.map((bytes) => decodeRecord(bytes));
    const version = this.cache.version;
    const rows = await this.db.getAllFromIndex('records', 'owner', o);
    const opened = await Promise.all(rows.map(async (row) => ({ k: row.k, bytes: await this.openBytes(row) })));
    const values = opened.map((r) => decodeRecord(r.bytes));
    this.cache.fillOwner(version, o, opened);
    return values;
  }

  /**
   * Messages of one group with afterNs < sentAtNs < beforeNs, read from the given end; `count`
   * rows at most, plus any that share the last row's time so the caller can order ties by id.
   */
  async listByTime(
    scope: string,
    groupId: string,
    range: { afterNs?: bigint; beforeNs?: bigint; direction: 'next' | 'prev'; count?: number },
  ): Promise<unknown[]> {
    const g = await this.groupTag(scope, groupId);
    const lower = range.afterNs === undefined ? timeKey(0n) : timeKey(range.afterNs);
    const upper = range.beforeNs === undefined ? '9'.repeat(U64_DIGITS) : timeKey(range.beforeNs);
    const lowerOpen = range.afterNs !== undefined;
    const upperOpen = range.beforeNs !== undefined;
    // IDBKeyRange.bound throws on an empty range; an empty range has no messages.
    if (lower > upper || (lower === upper && (lowerOpen || upperOpen))) return [];
    const keyRange = IDBKeyRange.bound([g, lower], [g, upper], lowerOpen, upperOpen);
    const tx = this.db.transaction('records', 'readonly');
    const index = tx.store.index('groupTime');
    const rows = hasGetAllRecords(index) ? await pageByRecords(index, keyRange, range) : await pageByCursor(index, keyRange, range);
    await tx.done;
    // Pages are not cached (a conversation's history can be long); their records may be.
    return Promise.all(rows.map(async (row) => decodeRecord(await this.openBytes(row))));
  }

  /** Seals a record for a later `write`: all crypto happens here, before any transaction. */
  async preparePut(name: RecordName, value: unknown, slot?: TimeSlot): Promise<PreparedWrite> {
    const [k, o] = await Promise.all([this.recordTag(name), this.ownerTag(name.scope, name.kind)]);
    const plaintext = encodeRecord(value);
    const v = await this.keyring().seal(k, plaintext);
    const row: SealedRow = { k, o, v };
    if (slot) {
      row.g = await this.groupTag(name.scope, slot.groupId);
      row.t = timeKey(slot.sentAtNs);
    }
    return { put: row, plain: plaintext };
  }

  async prepareDelete(name: RecordName): Promise<PreparedWrite> {
    const [k, o] = await Promise.all([this.recordTag(name), this.ownerTag(name.scope, name.kind)]);
    return { delete: k, o };
  }

  /**
   * Applies prepared writes in order in ONE transaction: an IndexedDB transaction commits as
   * soon as its task awaits anything but its own requests, so nothing else is awaited here.
   */
  async write(writes: readonly PreparedWrite[]): Promise<void> {
    if (writes.length === 0) return;
    this.cache.beginWrite();
    try {
      const tx = this.db.transaction('records', 'readwrite');
      const requests: Promise<unknown>[] = writes.map((w) => ('put' in w ? tx.store.put(w.put) : tx.store.delete(w.delete)));
      try {
        await Promise.all([...requests, tx.done]);
      } catch (cause) {
        for (const w of writes) this.cache.forget('put' in w ? w.put.k : w.delete);
        throw new ParleyError('Vault.Corrupt', 'A vault write failed; nothing of it was applied.', { cause });
      }
      // Committed: only now may reads see these records without IndexedDB.
      for (const w of writes) {
        if ('put' in w) {
          if (w.plain) this.cache.committed(w.put.k, w.put.o, w.plain);
          else this.cache.forget(w.put.k);
        } else this.cache.committed(w.delete, w.o, null);
      }
    } finally {
      this.cache.endWrite();
    }
  }

  /** Deletes every row of a scope's kinds (an identity removed). */
  async deleteKinds(scope: string, kinds: readonly string[]): Promise<void> {
    const owners = await Promise.all(kinds.map((kind) => this.ownerTag(scope, kind)));
    // Rare (an identity removed): the whole cache goes rather than track which rows went.
    this.cache.clear();
    const tx = this.db.transaction('records', 'readwrite');
    const deletes: Promise<unknown>[] = [];
    for (const o of owners) {
      const keys = await tx.store.index('owner').getAllKeys(o);
      for (const k of keys) deletes.push(tx.store.delete(k));
    }
    try {
      await Promise.all([...deletes, tx.done]);
    } finally {
      this.cache.clear();
    }
  }
}
