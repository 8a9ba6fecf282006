import 'fake-indexeddb/auto';
import type { SessionKeyStore } from '../../../src/background/vault/vault';
import { Vault } from '../../../src/background/vault/vault';

/** storage.session as a variable: survives a "worker restart" (a new Vault) like the real one. */
export function memorySession(): SessionKeyStore & { value: Uint8Array | undefined } {
  const s = {
    value: undefined as Uint8Array | undefined,
    async get() {
      return s.value ? new Uint8Array(s.value) : undefined;
    },
    async set(key: Uint8Array) {
      s.value = new Uint8Array(key);
    },
    async clear() {
      s.value = undefined;
    },
  };
  return s;
}

let dbCounter = 0;
export function freshDbName(): string {
  return `parley-vault-test-${process.pid}-${++dbCounter}`;
}

export const PASSWORD = 'correct horse battery staple';

export async function unlockedVault(dbName = freshDbName(), session = memorySession()): Promise<Vault> {
  const vault = await Vault.open({ dbName, session });
  await vault.create(PASSWORD);
  return vault;
}

/** Every row of every object store of a database, as IndexedDB holds it. */
export async function dumpDatabase(name: string): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const out: unknown[] = [];
  for (const store of Array.from(db.objectStoreNames)) {
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      const req = db.transaction(store).objectStore(store).getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    out.push(...rows);
  }
  db.close();
  return out;
}

/** All bytes of a value (strings as UTF-8, typed arrays raw), to search a dump for secrets. */
export function bytesOf(value: unknown): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) parts.push(v);
    else if (v instanceof ArrayBuffer) parts.push(new Uint8Array(v));
    else if (typeof v === 'string') parts.push(new TextEncoder().encode(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.entries(v).forEach(([k, x]) => (walk(k), walk(x)));
    else if (v !== undefined && v !== null) parts.push(new TextEncoder().encode(String(v)));
  };
  walk(value);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
