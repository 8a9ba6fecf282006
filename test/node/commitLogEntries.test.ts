import { ed25519 } from '@noble/curves/ed25519.js';
import { SortDirection } from '@xmtp/proto/mls/api/v1/mls.pb';
import { PlaintextCommitLogEntry } from '@xmtp/proto/mls/message_contents/commit_log.pb';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/core/api';
import { signedCommitLogEntry } from './fixtures';
import { GrpcCallError, call, startTestNode, type TestNode } from './helpers';

describe('commit-log entries from hostile clients, against a real node', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  type Entry = ReturnType<typeof signedCommitLogEntry>;
  async function publish(requests: Entry[]): Promise<{ code: number; details: string }> {
    try {
      await call(node.client, 'batchPublishCommitLog', { requests });
      return { code: GrpcStatus.OK, details: '' };
    } catch (e) {
      if (e instanceof GrpcCallError) return { code: e.code, details: e.details };
      throw e;
    }
  }
  async function stored(groupId: Uint8Array): Promise<Uint8Array[]> {
    const res = await call(node.client, 'batchQueryCommitLog', {
      requests: [{ groupId, pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 100, idCursor: Long.UZERO } }],
    });
    return res.responses[0]!.commitLogEntries.map((e) => e.serializedCommitLogEntry);
  }

  const group = (n: number): Uint8Array => new Uint8Array(16).fill(n);

  it('stores and serves an entry signed as libxmtp signs it', async () => {
    const entry = signedCommitLogEntry(group(1), 1);
    expect(await publish([entry])).toEqual({ code: GrpcStatus.OK, details: '' });
    expect(await stored(group(1))).toEqual([entry.serializedCommitLogEntry]);
  });

  const hostile: [string, (e: Entry) => Entry, RegExp][] = [
    ['without a signature', (e) => ({ ...e, signature: undefined as unknown as Entry['signature'] }), /not signed/],
    ['with a signature by another key than the one it names', (e) => ({ ...e, signature: { ...e.signature, publicKey: signedCommitLogEntry(e.groupId, 9).signature.publicKey } }), /does not verify/],
    ['with a tampered entry under a valid signature', (e) => ({ ...e, serializedCommitLogEntry: Uint8Array.from(e.serializedCommitLogEntry, (b, i) => (i === e.serializedCommitLogEntry.length - 1 ? b ^ 1 : b)) }), /does not verify/],
    ['with a truncated signature', (e) => ({ ...e, signature: { ...e.signature, bytes: e.signature.bytes.subarray(0, 63) } }), /not an Ed25519 signature/],
    ['of malformed bytes', (e) => signedAs(e, new Uint8Array([0x0a, 0xff, 0xff, 0xff])), /not a PlaintextCommitLogEntry/],
    ['naming another group', (e) => ({ ...signedCommitLogEntry(group(99), 1), groupId: e.groupId }), /another group/],
    ['oversized', (e) => signedAs(e, PlaintextCommitLogEntry.encode({ ...PlaintextCommitLogEntry.decode(e.serializedCommitLogEntry), lastEpochAuthenticator: new Uint8Array(4096) }).finish()), /too large/],
  ];

  for (const [name, spoil, message] of hostile) {
    it(`refuses an entry ${name} with INVALID_ARGUMENT and stores none of its batch`, async () => {
      const g = group(10 + hostile.findIndex(([n]) => n === name));
      const good = signedCommitLogEntry(g, 1);
      const result = await publish([good, spoil(signedCommitLogEntry(g, 2))]);
      expect(result.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(result.details).toMatch(message);
      expect(result.details).toMatch(/entry 1/);
      expect(await stored(g)).toEqual([]);
    });
  }
});

/** `bytes` as the entry, validly signed (by a fresh key): only the structure checks can refuse it. */
function signedAs(e: ReturnType<typeof signedCommitLogEntry>, bytes: Uint8Array): ReturnType<typeof signedCommitLogEntry> {
  const secret = ed25519.utils.randomSecretKey();
  return { groupId: e.groupId, serializedCommitLogEntry: bytes, signature: { bytes: ed25519.sign(bytes, secret), publicKey: ed25519.getPublicKey(secret) } };
}
