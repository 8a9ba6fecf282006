import { decodeMlsMessage } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { MIN_PADDED_BYTES, padmeLength, type PaddingPolicy } from '../../../src/core/mls/padding';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

/** AEAD tag of XMTP's ciphersuite (AES-128-GCM): the ciphertext is the padded content plus 16. */
const TAG_BYTES = 16;
const SENT = ['k', 'ok, see you', 'a'.repeat(100), 'b'.repeat(500), 'c'.repeat(3000)];

let network: TestNetwork;

beforeAll(async () => {
  network = await startTestNetwork();
});

afterAll(async () => {
  await network.stop();
});

/** The lengths of the private messages' ciphertexts the node holds for a group, in order. */
async function ciphertextLengthsOnNode(groupId: string): Promise<number[]> {
  const { messages } = await network.api().queryGroupMessages({ groupId: Buffer.from(groupId, 'hex'), pagingInfo: undefined });
  const lengths: number[] = [];
  for (const m of [...messages].reverse()) {
    const [decoded] = decodeMlsMessage(m.v1!.data, 0) ?? [];
    if (decoded?.wireformat === 'mls_private_message' && decoded.privateMessage.contentType === 'application') lengths.push(decoded.privateMessage.ciphertext.length);
  }
  return lengths;
}

async function sendAll(padding: PaddingPolicy) {
  const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store: createMemoryStore(), padding });
  const bob = await newUser(network);
  const dm = await alice.conversations.createDm(bob.address);
  for (const text of SENT) await dm.sendText(text);
  await bob.client.conversations.sync();
  const bobDm = await bob.client.conversations.getConversationById(dm.id);
  await bobDm!.sync();
  return { lengths: await ciphertextLengthsOnNode(dm.id), received: texts(await bobDm!.messages()) };
}

describe('padding of application messages', () => {
  it('puts every message in a Padmé bucket of at least 256 bytes, and the peer reads each one', async () => {
    const { lengths, received } = await sendAll('padme');
    expect(received).toEqual(SENT);
    expect(lengths).toHaveLength(SENT.length);
    for (const length of lengths) {
      const content = length - TAG_BYTES;
      expect(content).toBeGreaterThanOrEqual(MIN_PADDED_BYTES);
      expect(padmeLength(content)).toBe(content);
    }
    // A one-letter answer and a short sentence look the same to the node.
    expect(lengths[0]).toBe(lengths[1]);
    expect(new Set(lengths.slice(0, 3)).size).toBe(1);
  });

  it('with padding off shows the node the exact length difference, as XMTP does', async () => {
    const { lengths, received } = await sendAll('none');
    expect(received).toEqual(SENT);
    expect(lengths[1]! - lengths[0]!).toBe(SENT[1]!.length - SENT[0]!.length);
  });
});
