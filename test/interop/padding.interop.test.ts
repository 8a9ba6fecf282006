import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMlsMessage } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import { Client, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { MIN_PADDED_BYTES, padmeLength } from '../../src/core/mls/padding';
import { eventually } from './eventually';
import { ParleyNode } from './parleyNode';
import { startSdkMember, type SdkMember } from './sdkMember';
import { requireInteropEnv } from './testEnv';

// Parley pads its application messages to Padmé buckets (RFC 9420 §6.3.1 padding); libxmtp
// pads nothing but must strip and check the padding it receives. Unmodified node-sdk 6.0.0
// members read every padded message, short and long, in a DM and in a group.

const TIMEOUT_MS = 300_000;
const TAG_BYTES = 16;
const SENT = ['k', 'short sentence', 'x'.repeat(300), 'y'.repeat(5_000), 'z'.repeat(40_000)];

describe('padded messages with node-sdk 6.0.0', () => {
  let workDir: string;
  let node: ParleyNode;
  let alice: Client;
  const peers: SdkMember[] = [];

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-padding-interop-'));
    node = await ParleyNode.start();
    alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
    peers.push(await startSdkMember('bob', { apiUrl: node.apiUrl, workDir }), await startSdkMember('carol', { apiUrl: node.apiUrl, workDir }));
  }, 120_000);

  afterAll(async () => {
    alice?.close();
    await Promise.all(peers.map((m) => m.peer.kill()));
    if (node) await node.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  async function bucketedOnNode(groupId: string): Promise<number[]> {
    const { messages } = await createGrpcWebApi({ url: node.webUrl }).queryGroupMessages({ groupId: Buffer.from(groupId, 'hex'), pagingInfo: undefined });
    return messages.flatMap((m) => {
      const [decoded] = decodeMlsMessage(m.v1!.data, 0) ?? [];
      return decoded?.wireformat === 'mls_private_message' && decoded.privateMessage.contentType === 'application' ? [decoded.privateMessage.ciphertext.length - TAG_BYTES] : [];
    });
  }

  function until(member: SdkMember, conversationId: string, count: number): Promise<string[]> {
    return eventually(
      `${member.name} (node-sdk) reads ${count} texts`,
      async () => {
        await member.peer.syncAll();
        const got = await member.peer.texts(conversationId).catch(() => []);
        return got.length >= count ? got : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, describe: async () => member.peer.logTail(30) },
    );
  }

  it('node-sdk reads every padded message of a DM, and the node saw only buckets', { timeout: TIMEOUT_MS }, async () => {
    const bob = peers[0]!;
    const dm = await alice.conversations.createDm(bob.identity.address);
    for (const text of SENT) await dm.sendText(text);
    expect(await until(bob, dm.id, SENT.length)).toEqual(SENT);
    const sizes = await bucketedOnNode(dm.id);
    expect(sizes).toHaveLength(SENT.length);
    for (const size of sizes) {
      expect(size).toBeGreaterThanOrEqual(MIN_PADDED_BYTES);
      expect(padmeLength(size)).toBe(size);
    }
  });

  it('node-sdk members read padded group messages and answer; Parley reads the unpadded answers', { timeout: TIMEOUT_MS }, async () => {
    const [bob, carol] = peers as [SdkMember, SdkMember];
    const group = await alice.conversations.createGroup([bob.client.inboxId, carol.client.inboxId], { name: 'padded' });
    for (const text of SENT) await group.sendText(text);
    expect(await until(bob, group.id, SENT.length)).toEqual(SENT);
    expect(await until(carol, group.id, SENT.length)).toEqual(SENT);
    await carol.peer.send(group.id, 'read them all');
    const texts = await eventually(
      'alice reads carol',
      async () => {
        await group.sync();
        const seen = (await group.messages()).flatMap((m) => (m.content?.type === 'text' ? [m.content.text] : []));
        return seen.includes('read them all') ? seen : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(texts).toEqual([...SENT, 'read them all']);
  });
});
