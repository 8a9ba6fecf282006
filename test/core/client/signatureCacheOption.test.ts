import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner, sharedVerifiedSignatureCache, VerifiedSignatureCache } from '../../../src/core/identity';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

describe('Client signatureCache option', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it("keeps a client's identity checks in its own cache and out of the process-wide one", async () => {
    const bob = await newUser(network);
    const own = new VerifiedSignatureCache();
    const sharedBefore = sharedVerifiedSignatureCache.size;
    const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), {
      api: network.api(),
      store: createMemoryStore(),
      signatureCache: own,
    });
    const afterRegistration = own.size;
    await alice.conversations.createDm(bob.address);

    // Bob's log (a wallet and an installation signature) was checked into Alice's own cache.
    expect(own.size).toBeGreaterThan(afterRegistration);
    expect(sharedVerifiedSignatureCache.size).toBe(sharedBefore);
  });
});
