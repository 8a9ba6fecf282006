import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore } from '../../../src/core/client';
import { generateWalletPrivateKey, inboxIdFor, privateKeySigner } from '../../../src/core/identity';
import { isParleyError } from '../../../src/core/errors';
import { startTestNetwork, type TestNetwork } from './clientTestKit';

describe('registering an installation', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('creates the inbox on first use and reuses the installation when reopened over the same store', async () => {
    const signer = privateKeySigner(generateWalletPrivateKey());
    const store = createMemoryStore();
    const first = await Client.create(signer, { api: network.api(), store });
    expect(first.inboxId).toBe(inboxIdFor(signer.identifier));
    expect(first.accountIdentifier).toEqual({ identifier: signer.identifier.toLowerCase(), identifierKind: 'Ethereum' });
    expect(first.installationId).toMatch(/^[0-9a-f]{64}$/);

    const reopened = await Client.create(signer, { api: network.api(), store });
    expect(reopened.installationId).toBe(first.installationId);
    expect(reopened.inboxId).toBe(first.inboxId);

    const updates = await network.api().getIdentityUpdates({ requests: [{ inboxId: first.inboxId, sequenceId: Long.UZERO }] });
    expect(updates.responses[0]?.updates).toHaveLength(1);
  });

  it('adds a second installation to an existing inbox with a fresh store', async () => {
    const signer = privateKeySigner(generateWalletPrivateKey());
    const a = await Client.create(signer, { api: network.api(), store: createMemoryStore() });
    const b = await Client.create(signer, { api: network.api(), store: createMemoryStore() });
    expect(b.inboxId).toBe(a.inboxId);
    expect(b.installationId).not.toBe(a.installationId);
    const fetched = await network.api().fetchKeyPackages({
      installationKeys: [Buffer.from(a.installationId, 'hex'), Buffer.from(b.installationId, 'hex')],
    });
    expect(fetched.keyPackages.every((k) => k.keyPackageTlsSerialized.length > 0)).toBe(true);
  });

  it('answers canMessage for registered and unknown addresses', async () => {
    const signer = privateKeySigner(generateWalletPrivateKey());
    const client = await Client.create(signer, { api: network.api(), store: createMemoryStore() });
    const stranger = privateKeySigner(generateWalletPrivateKey()).identifier;
    const result = await client.canMessage([signer.identifier, stranger]);
    expect(result.get(signer.identifier)).toBe(true);
    expect(result.get(stranger)).toBe(false);
  });

  it('refuses a store that belongs to another account', async () => {
    const store = createMemoryStore();
    await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store });
    await expect(Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store })).rejects.toSatisfy((e) =>
      isParleyError(e, 'Client.StoreMismatch'),
    );
  });
});
