import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePrivateKeyPackage, decodeKeyPackageSecrets, decodeStoredKeyPackage, storedWelcomeWrapperPublicKey } from '../../../src/core/client/keyPackages';
import { createXmtpKeyPackage } from '../../../src/core/mls/keyPackage';
import { validateXmtpKeyPackage } from '../../../src/core/mls/keyPackageValidate';
import { WELCOME_WRAPPER_ALGORITHM_XWING, wrapWelcome } from '../../../src/core/mls/welcome';
import { generateXWingKeyPair, welcomeWrapperEncryptionExtension } from '../../../src/core/mls/welcomeWrapperKey';
import { generateKeyPackageWithKey } from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { xmtpCredential } from '../../../src/core/mls/credential';
import { EXTENSION_LAST_RESORT, applicationIdExtension, xmtpLeafCapabilities } from '../../../src/core/mls/keyPackageProfile';
import fc from 'fast-check';
import { ParleyError } from '../../../src/core/errors';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

async function welcomeAlgorithms(network: TestNetwork, user: TestUser): Promise<number[]> {
  const response = await network.api().queryWelcomeMessages({ installationKey: Buffer.from(user.client.installationId, 'hex'), pagingInfo: undefined });
  return response.messages.map((m) => m.v1?.wrapperAlgorithm ?? -1);
}

async function latestKeyPackageWrapperKey(network: TestNetwork, user: TestUser): Promise<Uint8Array | undefined> {
  const fetched = await network.api().fetchKeyPackages({ installationKeys: [Buffer.from(user.client.installationId, 'hex')] });
  const tls = fetched.keyPackages[0]?.keyPackageTlsSerialized;
  if (tls === undefined) throw new Error('no key package');
  return (await validateXmtpKeyPackage(new Uint8Array(tls), new Date())).welcomeWrapperKey?.publicKey;
}

describe('X-Wing welcomes between Parley clients', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('bob’s key package offers X-Wing; alice’s welcome to him is X-Wing-wrapped; he joins and reads', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const offered = await latestKeyPackageWrapperKey(network, bob);
    expect(offered).toHaveLength(1216);
    const [stored, ...others] = await bob.store.listKeyPackages();
    if (stored === undefined) throw new Error('bob stores his key package');
    expect(others).toEqual([]);
    // The X-Wing seed is kept with the key package's other private keys.
    expect(stored.privateKeys).toHaveLength(128);
    expect(storedWelcomeWrapperPublicKey(decodeStoredKeyPackage(stored).keyPackage)).toEqual(offered);

    // A stored record that does not decode, listed first, does not keep the lookup from bob's key package.
    await bob.store.commit([{ op: 'putKeyPackage', record: { id: '00', keyPackage: new Uint8Array([1, 2, 3]), privateKeys: new Uint8Array(96), createdAtNs: 0n } }]);
    expect((await bob.store.listKeyPackages())[0]?.id).toBe('00');

    const group = await alice.client.conversations.createGroup([bob.client.inboxId], { name: 'pq' });
    await group.sendText('hello over X-Wing');
    expect(await welcomeAlgorithms(network, bob)).toEqual([WELCOME_WRAPPER_ALGORITHM_XWING]);
    const [joined] = await bob.client.conversations.sync();
    expect(joined?.id).toBe(group.id);
    await joined?.sync();
    expect(texts((await joined?.messages()) ?? [])).toEqual(['hello over X-Wing']);
  });

  it('an installation whose key package predates X-Wing gets a Curve25519 welcome, joins, and offers X-Wing after its next rotation', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    // Bob's latest key package as Parley made them before X-Wing: no 0xff03, 96 bytes of keys.
    const identity = await bob.store.getIdentity();
    if (identity === undefined) throw new Error('bob has an identity');
    const old = await createXmtpKeyPackage({
      inboxId: identity.inboxId,
      installationKey: { privateKey: identity.installationPrivateKey, publicKey: identity.installationPublicKey },
      now: new Date(),
      xwingWelcomeWrapper: false,
    });
    const privateKeys = encodePrivateKeyPackage(old.privatePackage);
    expect(privateKeys).toHaveLength(96);
    await bob.store.commit([
      { op: 'putKeyPackage', record: { id: Buffer.from(old.keyPackage.initKey).toString('hex'), keyPackage: old.tls, privateKeys, createdAtNs: 1n } },
    ]);
    await network.api().uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: old.tls }, isInboxIdCredential: true });
    expect(await latestKeyPackageWrapperKey(network, bob)).toBeUndefined();

    const group = await alice.client.conversations.createGroup([bob.client.inboxId], { name: 'classic' });
    expect(await welcomeAlgorithms(network, bob)).toEqual([1]);
    const joined = await bob.client.conversations.sync();
    expect(joined.map((c) => c.id)).toEqual([group.id]);

    // Joining used the key package up: the rotation that follows offers X-Wing again.
    expect(await latestKeyPackageWrapperKey(network, bob)).toHaveLength(1216);
    const second = await alice.client.conversations.createGroup([bob.client.inboxId], { name: 'pq again' });
    expect((await welcomeAlgorithms(network, bob)).sort()).toEqual([1, WELCOME_WRAPPER_ALGORITHM_XWING]);
    expect((await bob.client.conversations.sync()).map((c) => c.id)).toEqual([second.id]);
  });

  it('leaves out an installation whose X-Wing key no welcome can be wrapped to; the others get their welcomes', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const carol = await newUser(network);
    // Bob's latest key package offers 1216 bytes that are no ML-KEM encapsulation key.
    const identity = await bob.store.getIdentity();
    if (identity === undefined) throw new Error('bob has an identity');
    const nowS = BigInt(Math.floor(Date.now() / 1000));
    const { publicPackage } = await generateKeyPackageWithKey(
      xmtpCredential(identity.inboxId),
      xmtpLeafCapabilities(),
      { notBefore: nowS - 3600n, notAfter: nowS + 86_400n },
      [{ extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() }, welcomeWrapperEncryptionExtension(new Uint8Array(1216).fill(0xff))],
      { signKey: identity.installationPrivateKey, publicKey: identity.installationPublicKey },
      await getXmtpCiphersuiteImpl(),
      [applicationIdExtension(identity.inboxId)],
    );
    await network.api().uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: encodeKeyPackage(publicPackage) }, isInboxIdCredential: true });
    expect(await latestKeyPackageWrapperKey(network, bob)).toHaveLength(1216);

    const group = await alice.client.conversations.createGroup([bob.client.inboxId, carol.client.inboxId], { name: 'one bad key' });
    expect(await welcomeAlgorithms(network, bob)).toEqual([]);
    expect(await welcomeAlgorithms(network, carol)).toEqual([WELCOME_WRAPPER_ALGORITHM_XWING]);
    expect((await carol.client.conversations.sync()).map((c) => c.id)).toEqual([group.id]);
  });

  it('refuses an X-Wing welcome to a key bob does not hold, or sealed to another key, with typed errors', async () => {
    const bob = await newUser(network);
    const stranger = await generateXWingKeyPair();
    const wrapped = await wrapWelcome({
      welcomeTls: new Uint8Array([1, 2, 3]),
      welcomeMetadata: new Uint8Array(),
      recipientInitKey: stranger.publicKey,
      wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_XWING,
    });
    const other = await wrapWelcome({
      welcomeTls: new Uint8Array([4, 5, 6]),
      welcomeMetadata: new Uint8Array(),
      recipientInitKey: stranger.publicKey,
      wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_XWING,
    });
    const offered = await latestKeyPackageWrapperKey(network, bob);
    if (offered === undefined) throw new Error('bob offers X-Wing');
    // Addressed to bob's own X-Wing key but sealed to another: the key package is found, the seal does not open.
    await network.api().sendWelcomeMessages({
      messages: [
        { v1: { installationKey: Buffer.from(bob.client.installationId, 'hex'), data: wrapped.data, hpkePublicKey: wrapped.hpkePublicKey, wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_XWING, welcomeMetadata: wrapped.welcomeMetadata } },
        { v1: { installationKey: Buffer.from(bob.client.installationId, 'hex'), data: other.data, hpkePublicKey: offered, wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_XWING, welcomeMetadata: other.welcomeMetadata } },
      ],
    });
    const errorsBefore = bob.client.errors.length;
    expect(await bob.client.conversations.sync()).toEqual([]);
    const codes = bob.client.errors.slice(errorsBefore).map((e) => (e as { code?: string }).code);
    expect(codes).toEqual(['Mls.InvalidWelcome', 'Mls.WelcomeDecryptFailed']);
  });
});

describe('stored key package secrets', () => {
  it('decode(encode(keys)) = keys, with and without the X-Wing seed', () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(key, key, key, fc.option(key, { nil: undefined }), (initPrivateKey, hpkePrivateKey, signaturePrivateKey, xwing) => {
        const decoded = decodeKeyPackageSecrets(encodePrivateKeyPackage({ initPrivateKey, hpkePrivateKey, signaturePrivateKey }, xwing));
        expect(decoded.privateKeys).toEqual({ initPrivateKey, hpkePrivateKey, signaturePrivateKey });
        expect(decoded.welcomeWrapperPrivateKey).toEqual(xwing);
      }),
    );
  });

  it('random bytes give Codec.Malformed unless they have one of the two stored lengths', () => {
    fc.assert(
      // Lengths at and around the two stored forms, and any up to 200 (fast-check's default size stops at 10).
      fc.property(
        fc.oneof(
          fc.constantFrom(95, 96, 97, 127, 128, 129).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          fc.uint8Array({ maxLength: 200, size: 'max' }),
        ),
        (bytes) => {
          let thrown: unknown;
          try {
            decodeKeyPackageSecrets(bytes);
          } catch (e) {
            thrown = e;
          }
          if (bytes.length === 96 || bytes.length === 128) expect(thrown).toBeUndefined();
          else expect(thrown instanceof ParleyError && thrown.code === 'Codec.Malformed').toBe(true);
        },
      ),
    );
  });
});
