import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type Group } from '../../../src/core/client';
import { validateXmtpKeyPackage } from '../../../src/core/mls/keyPackageValidate';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { startTestNetwork, texts, type TestNetwork } from './clientTestKit';

describe('installations', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  const eager = { syncNs: 0n, sendNs: 0n };

  async function initKeyOf(installationId: string): Promise<string> {
    const r = await network.api().fetchKeyPackages({ installationKeys: [Buffer.from(installationId, 'hex')] });
    const kp = await validateXmtpKeyPackage(new Uint8Array(r.keyPackages[0]?.keyPackageTlsSerialized ?? []), new Date());
    return Buffer.from(kp.initKey).toString('hex');
  }

  it('a member’s new installation is added to its groups when a sync finds the membership out of date', async () => {
    const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store: createMemoryStore(), installationCheckIntervals: eager });
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobPhone = await Client.create(bobSigner, { api: network.api(), store: createMemoryStore() });
    const group = await alice.conversations.createGroup([bobPhone.inboxId]);
    await bobPhone.conversations.sync();

    const bobLaptop = await Client.create(bobSigner, { api: network.api(), store: createMemoryStore() });
    expect(bobLaptop.inboxId).toBe(bobPhone.inboxId);
    await group.sync();
    await group.sendText('hello both of your devices');

    expect((await bobLaptop.conversations.sync()).map((c) => c.id)).toEqual([group.id]);
    const onLaptop = (await bobLaptop.conversations.getConversationById(group.id)) as Group;
    await onLaptop.sync();
    expect(texts(await onLaptop.messages())).toEqual(['hello both of your devices']);
    const onPhone = (await bobPhone.conversations.getConversationById(group.id)) as Group;
    await onPhone.sync();
    expect(texts(await onPhone.messages())).toEqual(['hello both of your devices']);
    const bobMember = (await group.members()).find((m) => m.inboxId === bobPhone.inboxId);
    expect(bobMember?.installationIds.sort()).toEqual([bobPhone.installationId, bobLaptop.installationId].sort());
  });

  it('rotates the key package a welcome consumed and keeps the old one for a while', async () => {
    const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store: createMemoryStore() });
    const bobStore = createMemoryStore();
    const bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store: bobStore });
    const before = await initKeyOf(bob.installationId);
    await alice.conversations.createDm(bob.inboxId);
    await bob.conversations.sync();
    const after = await initKeyOf(bob.installationId);
    expect(after).not.toBe(before);
    const stored = await bobStore.listKeyPackages();
    expect(stored.map((k) => [k.id, k.deleteAtNs === undefined])).toEqual([
      [before, false],
      [after, true],
    ]);
  });
});
