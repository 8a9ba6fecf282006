import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

describe('a DM between two clients', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('alice opens a DM and writes; bob joins from the welcome, reads and replies; alice reads the reply', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);

    const dm = await alice.client.conversations.createDm(bob.address);
    expect(dm.peerInboxId()).toBe(bob.client.inboxId);
    expect(await dm.consentState()).toBe('allowed');
    await dm.sendText('hello bob');

    const joined = await bob.client.conversations.sync();
    expect(joined.map((c) => c.id)).toEqual([dm.id]);
    const bobDm = await bob.client.conversations.getConversationById(dm.id);
    if (bobDm?.kind !== 'dm') throw new Error('bob should see a DM');
    expect(bobDm.peerInboxId()).toBe(alice.client.inboxId);
    expect(await bobDm.consentState()).toBe('unknown');
    await bobDm.sync();
    expect(texts(await bobDm.messages())).toEqual(['hello bob']);
    const [hello] = (await bobDm.messages()).filter((m) => m.kind === 'application');
    expect(hello?.senderInboxId).toBe(alice.client.inboxId);

    await bobDm.sendText('hi alice');
    expect(await bobDm.consentState()).toBe('allowed');
    await dm.sync();
    expect(texts(await dm.messages())).toEqual(['hello bob', 'hi alice']);

    // Both sides agree on message ids, and alice's own message is confirmed by the node.
    const aliceIds = (await dm.messages()).filter((m) => m.kind === 'application').map((m) => m.id);
    const bobIds = (await bobDm.messages()).filter((m) => m.kind === 'application').map((m) => m.id);
    expect(aliceIds).toEqual(bobIds);
    const mine = (await dm.messages()).find((m) => m.senderInboxId === alice.client.inboxId && m.kind === 'application');
    expect(mine?.deliveryStatus).toBe('published');
    expect(mine?.sequenceId).toBeTypeOf('bigint');
  });

  it('reuses the one DM per pair, from either side', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const first = await alice.client.conversations.createDm(bob.client.inboxId);
    const again = await alice.client.conversations.createDm(bob.address);
    expect(again.id).toBe(first.id);
    await bob.client.conversations.sync();
    const fromBob = await bob.client.conversations.createDm(alice.address);
    expect(fromBob.id).toBe(first.id);
    expect(await alice.client.conversations.list({ kind: 'dm' })).toHaveLength(1);
  });

  it('carries the app data it was created with to the peer (the dApp origin of a site-scoped grant)', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const dm = await alice.client.conversations.createDm(bob.address, { appData: 'https://dapp.example' });
    expect(dm.appData).toBe('https://dapp.example');
    await bob.client.conversations.sync();
    const bobDm = await bob.client.conversations.getConversationById(dm.id);
    expect(bobDm?.appData).toBe('https://dapp.example');
    // The DM stays one per pair: asking again with other app data reuses it unchanged.
    const again = await bob.client.conversations.createDm(alice.address, { appData: 'https://other.example' });
    expect(again.id).toBe(dm.id);
    expect(again.appData).toBe('https://dapp.example');
  });
});
