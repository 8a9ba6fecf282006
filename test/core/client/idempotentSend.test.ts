import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type DecodedMessage } from '../../../src/core/client';
import { ParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

/** A NetworkApi whose next group-message send fails after nothing reached the node. */
function failingSends(api: NetworkApi): { api: NetworkApi; failNext(): void } {
  let fail = false;
  const wrapped: NetworkApi = Object.create(api) as NetworkApi;
  wrapped.sendGroupMessages = async (request, opts) => {
    if (fail) {
      fail = false;
      throw new ParleyError('Api.Network', 'connection dropped (test)');
    }
    return api.sendGroupMessages(request, opts);
  };
  return { api: wrapped, failNext: () => (fail = true) };
}

const applicationIds = (messages: readonly DecodedMessage[]) => messages.filter((m) => m.kind === 'application').map((m) => m.id);

describe('a send retried with its idempotency key', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('alice sends twice with one key: one message, the same id, bob reads it once; another key is another message', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const dm = await alice.client.conversations.createDm(bob.client.inboxId);
    const key = 1_900_000_000_000_000_000n;
    const first = await dm.sendText('once', { idempotencyKeyNs: key });
    const again = await dm.sendText('once', { idempotencyKeyNs: key });
    const other = await dm.sendText('once', { idempotencyKeyNs: key + 1n });
    expect(again).toBe(first);
    expect(other).not.toBe(first);

    await bob.client.conversations.sync();
    const bobDm = await bob.client.conversations.getDmByInboxId(alice.client.inboxId);
    await bobDm!.sync();
    expect(texts(await bobDm!.messages())).toEqual(['once', 'once']);
    expect(applicationIds(await bobDm!.messages())).toEqual([first, other]);
  });

  it('a process that stored the message but lost the network: a new client over the store retries with the key and bob gets it once', async () => {
    const bob = await newUser(network);
    const aliceSigner = privateKeySigner(generateWalletPrivateKey());
    const aliceStore = createMemoryStore();
    const failing = failingSends(network.api());
    const alice1 = await Client.create(aliceSigner, { api: failing.api, store: aliceStore });
    const dm = await alice1.conversations.createDm(bob.client.inboxId);
    const key = 1_900_000_000_000_000_123n;
    failing.failNext();
    await expect(dm.sendText('exactly once', { idempotencyKeyNs: key })).rejects.toThrow(/connection dropped/);
    alice1.close();

    const alice2 = await Client.create(aliceSigner, { api: network.api(), store: aliceStore });
    const dm2 = await alice2.conversations.getConversationById(dm.id);
    const id = await dm2!.sendText('exactly once', { idempotencyKeyNs: key });
    await dm2!.sync();
    expect((await dm2!.messages()).filter((m) => m.kind === 'application').map((m) => [m.id, m.deliveryStatus])).toEqual([[id, 'published']]);

    await bob.client.conversations.sync();
    const bobDm = await bob.client.conversations.getDmByInboxId(alice2.inboxId);
    await bobDm!.sync();
    expect(applicationIds(await bobDm!.messages())).toEqual([id]);
    expect(bobDm!.refusedMessages).toEqual([]);
  });
});
