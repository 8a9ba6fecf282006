import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncProgress } from '../../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

let network: TestNetwork;

beforeAll(async () => {
  network = await startTestNetwork();
});

afterAll(async () => {
  await network.stop();
});

describe('syncAll progress', () => {
  it('counts the conversations it syncs, from none to all, after the welcomes brought them in', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    for (const name of ['one', 'two', 'three']) {
      const group = await alice.client.conversations.createGroup([bob.address], { name });
      await group.sendText(`hello in ${name}`);
    }
    const progress: SyncProgress[] = [];
    await bob.client.conversations.syncAll({ onProgress: (p) => void progress.push(p) });
    expect(progress).toEqual([0, 1, 2, 3].map((synced) => ({ synced, total: 3 })));
    const read = await Promise.all((await bob.client.conversations.list()).map(async (c) => texts(await c.messages())));
    expect(read.flat().sort()).toEqual(['hello in one', 'hello in three', 'hello in two']);
  });
});
