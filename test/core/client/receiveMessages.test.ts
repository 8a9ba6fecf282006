import { GroupMessage } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

describe('receiving group messages', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('refuses a message of another group served under this group (Mls.WrongGroup), showing nothing of it', async () => {
    // Bob's node answers the first group's query with a message of the second group appended.
    const forged: { groupId?: Uint8Array | undefined; data?: Uint8Array | undefined } = {};
    const inner = network.api();
    const api: NetworkApi = {
      ...inner,
      async queryGroupMessages(request, opts) {
        const response = await inner.queryGroupMessages(request, opts);
        const last = response.messages.at(-1)?.v1;
        if (forged.data === undefined || forged.groupId === undefined || last === undefined) return response;
        if (Buffer.compare(Buffer.from(request.groupId), Buffer.from(forged.groupId)) !== 0) return response;
        const injected = GroupMessage.fromPartial({
          v1: { ...last, id: last.id.add(Long.fromNumber(1000, true)), groupId: forged.groupId, data: forged.data, isCommit: false },
        });
        return { ...response, messages: [...response.messages, injected] };
      },
    };
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    // The injected message's id lies past anything bob could publish, so a commit of his would never
    // show back: no self-update on joining here.
    const bob = await Client.create(bobSigner, { api, store: createMemoryStore(), keyRotation: { afterWelcome: false } });
    const alice = await newUser(network);

    const first = await alice.client.conversations.createGroup([bobSigner.identifier]);
    const second = await alice.client.conversations.createGroup([bobSigner.identifier]);
    await second.sendText('in the second group');
    await first.sendText('in the first group');
    const onNode = await network.api().queryGroupMessages({ groupId: Buffer.from(second.id, 'hex'), pagingInfo: undefined });
    forged.data = onNode.messages.at(-1)?.v1?.data;
    forged.groupId = Uint8Array.from(Buffer.from(first.id, 'hex'));

    await bob.conversations.sync();
    const bobFirst = await bob.conversations.getConversationById(first.id);
    await bobFirst?.sync();
    const messages = (await bobFirst?.messages()) ?? [];
    expect(texts(messages)).toEqual(['in the first group']);
    expect(messages.filter((m) => m.error !== undefined)).toEqual([]);
    expect(bobFirst?.refusedMessages.map((m) => m.error.code)).toEqual(['Mls.WrongGroup']);
    bob.close();
  });
});
