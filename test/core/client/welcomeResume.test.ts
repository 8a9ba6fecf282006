import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type Group } from '../../../src/core/client';
import { ParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

describe('a commit accepted before its welcomes went out', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('sends the welcomes on the next sync, after a restart, and the new member joins', async () => {
    const base = network.api();
    let failWelcomes = true;
    const flaky: NetworkApi = Object.create(base) as NetworkApi;
    flaky.sendWelcomeMessages = async (request, opts) => {
      if (failWelcomes) throw new ParleyError('Api.Network', 'connection dropped (test)');
      return base.sendWelcomeMessages(request, opts);
    };
    const aliceSigner = privateKeySigner(generateWalletPrivateKey());
    const aliceStore = createMemoryStore();
    const alice1 = await Client.create(aliceSigner, { api: flaky, store: aliceStore });
    const bob = await newUser(network);
    await expect(alice1.conversations.createGroup([bob.client.inboxId], { name: 'late welcome' })).rejects.toMatchObject({ code: 'Api.Network' });
    expect(await bob.client.conversations.sync()).toEqual([]);

    failWelcomes = false;
    const alice2 = await Client.create(aliceSigner, { api: network.api(), store: aliceStore });
    const [group] = await alice2.conversations.list();
    if (group?.kind !== 'group') throw new Error('alice lost the group');
    await group.sync();
    await group.sendText('welcome, finally');

    const joined = await bob.client.conversations.sync();
    expect(joined.map((c) => c.id)).toEqual([group.id]);
    const bobGroup = joined[0] as Group;
    expect(bobGroup.name).toBe('late welcome');
    await bobGroup.sync();
    expect(texts(await bobGroup.messages())).toEqual(['welcome, finally']);
  });
});
