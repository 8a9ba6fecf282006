/*
 * Decrypted vault records of the unlocked worker, so that a message does not pay an IndexedDB
 * transaction, an HMAC and an AES-GCM open per record it reads (bench:e2e traced ~20 per send).
 * It holds only what a transaction has committed: reads fill it only when no write started or
 * ended while they ran, and writes enter it after their transaction completes. It lives in
 * memory only, holds the records' plaintext bytes (decoded per read, so no caller can change a
 * cached value), and is wiped on lock.
 */

/** A cached record: its plaintext, or null when the vault is known to have no such record. */
interface Entry {
  bytes: Uint8Array | null;
  /** The owner tag of the record's kind, when known (needed to keep a kind's list whole). */
  o: string | undefined;
}

const ABSENT_COST = 64;

export interface RecordCacheLimits {
  /** Plaintext bytes held at most; the least recently used records go first. */
  maxBytes: number;
  /** A record larger than this is never cached. */
  maxRecordBytes: number;
}

export const DEFAULT_CACHE_LIMITS: RecordCacheLimits = { maxBytes: 32 * 1024 * 1024, maxRecordBytes: 4 * 1024 * 1024 };

export class RecordCache {
  private readonly entries = new Map<string, Entry>();
  /** Owner tag → every record key of that kind; present only while all of them are cached. */
  private readonly owners = new Map<string, Set<string>>();
  private bytes = 0;
  /** Bumped when a write starts or ends and on clear: a read that saw it change fills nothing. */
  private generation = 0;

  constructor(private readonly limits: RecordCacheLimits = DEFAULT_CACHE_LIMITS) {}

  get version(): number {
    return this.generation;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry for a record key, freshened in the LRU order; undefined when not cached. */
  lookup(k: string): Entry | undefined {
    const entry = this.entries.get(k);
    if (!entry) return undefined;
    this.entries.delete(k);
    this.entries.set(k, entry);
    return entry;
  }

  /** Every record of a kind, in key order (IndexedDB's), when the whole kind is cached. */
  listOwner(o: string): Uint8Array[] | undefined {
    const keys = this.owners.get(o);
    if (!keys) return undefined;
    const out: Uint8Array[] = [];
    for (const k of [...keys].sort()) {
      const bytes = this.lookup(k)?.bytes;
      if (!bytes) {
        this.owners.delete(o);
        return undefined;
      }
      out.push(bytes);
    }
    return out;
  }

  /** A read's result, kept only if nothing was written since `version` was taken. */
  fill(version: number, k: string, o: string | undefined, bytes: Uint8Array | null): void {
    if (version !== this.generation) return;
    this.set(k, o, bytes);
  }

  /** A whole kind as a read found it: cached as a list only if every record fits. */
  fillOwner(version: number, o: string, records: readonly { k: string; bytes: Uint8Array }[]): void {
    if (version !== this.generation) return;
    for (const r of records) this.set(r.k, o, r.bytes);
    if (records.every((r) => this.entries.get(r.k)?.bytes === r.bytes)) this.owners.set(o, new Set(records.map((r) => r.k)));
  }

  /** Called before a write's transaction opens. */
  beginWrite(): void {
    this.generation++;
  }

  /** A committed put (write-through) or delete (bytes null). */
  committed(k: string, o: string | undefined, bytes: Uint8Array | null): void {
    const before = this.entries.get(k);
    const owner = o ?? before?.o;
    if (bytes === null && owner !== undefined) this.owners.get(owner)?.delete(k);
    if (bytes === null && owner === undefined) this.owners.clear();
    this.set(k, owner, bytes);
    if (bytes !== null && owner !== undefined) this.owners.get(owner)?.add(k);
  }

  /** A write whose outcome is unknown: its records are read again from IndexedDB. */
  forget(k: string): void {
    this.remove(k);
    this.owners.clear();
  }

  endWrite(): void {
    this.generation++;
  }

  /** On lock: every plaintext byte overwritten, nothing kept. */
  clear(): void {
    this.generation++;
    for (const entry of this.entries.values()) entry.bytes?.fill(0);
    this.entries.clear();
    this.owners.clear();
    this.bytes = 0;
  }

  private set(k: string, o: string | undefined, bytes: Uint8Array | null): void {
    this.remove(k);
    if (bytes !== null && bytes.length > this.limits.maxRecordBytes) return;
    const entry: Entry = { bytes, o };
    this.entries.set(k, entry);
    this.bytes += cost(entry);
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.limits.maxBytes || oldest === k) break;
      this.remove(oldest);
      if (old.o !== undefined) this.owners.delete(old.o);
    }
  }

  private remove(k: string): void {
    const entry = this.entries.get(k);
    if (!entry) return;
    this.entries.delete(k);
    this.bytes -= cost(entry);
    // Callers decode before they fill or look up again, so nothing still reads these bytes.
    entry.bytes?.fill(0);
  }
}

function cost(entry: Entry): number {
  return entry.bytes === null ? ABSENT_COST : entry.bytes.length + ABSENT_COST;
}
