import type { DBSchema, IDBPDatabase } from 'idb';
import { openDB } from 'idb';
import { ParleyError } from '../../core/errors';
import type { Keyring, KeyringMeta } from './keyring';
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
  meta: { key: string; value: KeyringMeta };
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

export type PreparedWrite = { put: SealedRow } | { delete: string };

const SEP = '\u0000';
const U64_DIGITS = 20;

/** Zero-padded so that string order is time order. Times before 1970 sort first. */
export function timeKey(ns: bigint): string {
  const clamped = ns < 0n ? 0n : ns > 99_999_999_999_999_999_999n ? 99_999_999_999_999_999_999n : ns;
  return clamped.toString().padStart(U64_DIGITS, '0');
}

export class SealedRecords {
  constructor(
    private readonly db: VaultDb,
    private readonly keyring: () => Keyring,
  ) {}

  private recordTag(name: RecordName): Promise<string> {
    return this.keyring().tag([name.scope, name.kind, name.key].join(SEP));
  }

  private ownerTag(scope: string, kind: string): Promise<string> {
    return this.keyring().tag([scope, kind].join(SEP) + SEP + SEP);
  }

  private groupTag(scope: string, groupId: string): Promise<string> {
    return this.keyring().tag([scope, 'group-time', groupId].join(SEP) + SEP + SEP + SEP);
  }

  private async openRow(row: SealedRow): Promise<unknown> {
    return decodeRecord(await this.keyring().open(row.k, row.v));
  }

  async get(name: RecordName): Promise<unknown> {
    const k = await this.recordTag(name);
    const row = await this.db.get('records', k);
    return row ? this.openRow(row) : undefined;
  }

  async list(scope: string, kind: string): Promise<unknown[]> {
    const o = await this.ownerTag(scope, kind);
    const rows = await this.db.getAllFromIndex('records', 'owner', o);
    return Promise.all(rows.map((row) => this.openRow(row)));
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
    const rows: SealedRow[] = [];
    const tx = this.db.transaction('records', 'readonly');
    let cursor = await tx.store.index('groupTime').openCursor(keyRange, range.direction);
    let lastTime: string | undefined;
    while (cursor) {
      const row = cursor.value;
      if (range.count !== undefined && rows.length >= range.count && row.t !== lastTime) break;
      rows.push(row);
      lastTime = row.t;
      cursor = await cursor.continue();
    }
    await tx.done;
    return Promise.all(rows.map((row) => this.openRow(row)));
  }

  /** Seals a record for a later `write`: all crypto happens here, before any transaction. */
  async preparePut(name: RecordName, value: unknown, slot?: TimeSlot): Promise<PreparedWrite> {
    const [k, o] = await Promise.all([this.recordTag(name), this.ownerTag(name.scope, name.kind)]);
    const plaintext = encodeRecord(value);
    const v = await this.keyring().seal(k, plaintext);
    plaintext.fill(0);
    const row: SealedRow = { k, o, v };
    if (slot) {
      row.g = await this.groupTag(name.scope, slot.groupId);
      row.t = timeKey(slot.sentAtNs);
    }
    return { put: row };
  }

  async prepareDelete(name: RecordName): Promise<PreparedWrite> {
    return { delete: await this.recordTag(name) };
  }

  /**
   * Applies prepared writes in order in ONE transaction: an IndexedDB transaction commits as
   * soon as its task awaits anything but its own requests, so nothing else is awaited here.
   */
  async write(writes: readonly PreparedWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const tx = this.db.transaction('records', 'readwrite');
    const requests: Promise<unknown>[] = writes.map((w) => ('put' in w ? tx.store.put(w.put) : tx.store.delete(w.delete)));
    try {
      await Promise.all([...requests, tx.done]);
    } catch (cause) {
      throw new ParleyError('Vault.Corrupt', 'A vault write failed; nothing of it was applied.', { cause });
    }
  }

  /** Deletes every row of a scope's kinds (an identity removed). */
  async deleteKinds(scope: string, kinds: readonly string[]): Promise<void> {
    const owners = await Promise.all(kinds.map((kind) => this.ownerTag(scope, kind)));
    const tx = this.db.transaction('records', 'readwrite');
    const deletes: Promise<unknown>[] = [];
    for (const o of owners) {
      const keys = await tx.store.index('owner').getAllKeys(o);
      for (const k of keys) deletes.push(tx.store.delete(k));
    }
    await Promise.all([...deletes, tx.done]);
  }
}
