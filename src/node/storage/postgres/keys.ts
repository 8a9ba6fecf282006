import { createHash } from 'node:crypto';

/** What a writer serialises on: one advisory lock per topic and kind of write. */
export type LockNamespace = 'group' | 'welcome' | 'inbox' | 'commitLog' | 'keyPackage';

/**
 * The advisory-lock key that serialises every node process writing one topic: the first 8
 * bytes of sha256(namespace ‖ 0 ‖ topic) as the signed int64 pg_advisory_xact_lock takes.
 * A collision between two topics only makes their writers wait for each other.
 */
export function advisoryKey(namespace: LockNamespace, topic: Uint8Array | string): bigint {
  const digest = createHash('sha256').update(namespace).update(new Uint8Array([0])).update(topic).digest();
  return digest.readBigInt64BE(0);
}

/** The key under which concurrent schema migrations of one database wait for each other. */
export const MIGRATION_LOCK_KEY = createHash('sha256').update('parley-node schema migration').digest().readBigInt64BE(0);
