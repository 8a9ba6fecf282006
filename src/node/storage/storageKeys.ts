import { createHash } from 'node:crypto';
import type { MemberKey } from './types';

/**
 * Keys both storage backends derive the same way, so a database moved between them (or read
 * by either) agrees on them.
 */

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
