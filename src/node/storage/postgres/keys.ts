import { createHash } from 'node:crypto';
import type { MemberKey } from '../types';

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

/**
 * sha256(len ‖ topic ‖ data): the dedupe key of a message on its topic (xmtp-node-go keeps a
 * unique group_id_data_hash for the same purpose). The length prefix keeps (topic, data)
 * pairs from colliding by shifting bytes between the two.
 */
export function topicDataHash(topic: Uint8Array, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(topic.length);
  return createHash('sha256').update(len).update(topic).update(data).digest();
}

/** The members table's text key of an inbox member (addresses and passkeys case-folded). */
export function memberKeyString(member: MemberKey): string {
  switch (member.kind) {
    case 'ethereum':
      return `ethereum:${member.address.toLowerCase()}`;
    case 'passkey':
      return `passkey:${member.key.toLowerCase()}`;
    case 'installation':
      return `installation:${Buffer.from(member.installationKey).toString('hex')}`;
  }
}
