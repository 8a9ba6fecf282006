import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

describe("a conversation's app data", () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('reads the new value after a commit changes it, on both sides, and keeps it across messages', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const group = await alice.client.conversations.createGroup([bob.address], { appData: 'https://one.example' });
    expect(group.appData).toBe('https://one.example');
    await bob.client.conversations.sync();
    const bobGroup = await bob.client.conversations.getConversationById(group.id);
    if (bobGroup?.kind !== 'group') throw new Error('bob should see the group');
    expect(bobGroup.appData).toBe('https://one.example');

    await group.updateAppData('https://two.example');
    expect(group.appData).toBe('https://two.example');
    await bobGroup.sync();
    expect(bobGroup.appData).toBe('https://two.example');

    // An application message moves the state on without touching the metadata.
    await group.sendText('still two');
    await bobGroup.sync();
    expect(bobGroup.appData).toBe('https://two.example');
    expect(group.appData).toBe('https://two.example');

    await bobGroup.updateAppData('');
    expect(bobGroup.appData).toBe('');
    await group.sync();
    expect(group.appData).toBe('');
  });
});
