import { ed25519 } from '@noble/curves/ed25519.js';
import { MlsCredential } from '@xmtp/proto/identity/credential.pb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyPackage } from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { extensionTypeToNumber } from 'ts-mls/extension.js';
import { isParleyError } from '../../../src/core/errors';
import { createXmtpKeyPackage } from '../../../src/core/mls/keyPackage';
import { validateXmtpKeyPackage } from '../../../src/core/mls/keyPackageValidate';
import { decodeTlsExact } from '../../../src/core/mls/decodeTlsExact';
import { xwingPublicKeyOf } from '../../../src/core/mls/welcomeWrapperKey';
import { FIXTURE_CREATED_AT, FIXTURE_INBOX_ID, fixtureKeyPackageTls, newInstallationKey, randomInboxId } from './keyPackageTestKit';

function decode(tls: Uint8Array): KeyPackage {
  const decoded = decodeTlsExact(decodeKeyPackage, tls);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
}

const types = (extensions: KeyPackage['extensions']) => extensions.map((e) => extensionTypeToNumber(e.extensionType));

describe('createXmtpKeyPackage', () => {
  it('builds the same structure as libxmtp 1.10.0', async () => {
    const libxmtp = decode(fixtureKeyPackageTls());
    const ours = decode((await createXmtpKeyPackage({ inboxId: FIXTURE_INBOX_ID, installationKey: newInstallationKey(), now: new Date() })).tls);

    expect(ours.version).toBe(libxmtp.version);
    expect(ours.cipherSuite).toBe(libxmtp.cipherSuite);
    expect(ours.leafNode.capabilities).toEqual(libxmtp.leafNode.capabilities);
    expect(ours.leafNode.credential).toEqual(libxmtp.leafNode.credential);
    expect(ours.leafNode.leafNodeSource).toBe('key_package');
    expect(types(ours.leafNode.extensions)).toEqual(types(libxmtp.leafNode.extensions));
    expect(ours.leafNode.extensions[0]?.extensionData).toEqual(libxmtp.leafNode.extensions[0]?.extensionData);
    // libxmtp also sends 0xff04 (welcome pointers); Parley offers only the X-Wing key (0xff03).
    expect(types(ours.extensions)).toEqual([0x000a, 0xff03]);
    expect(types(libxmtp.extensions)).toEqual([0x000a, 0xff04, 0xff03]);
    expect(libxmtp.extensions[0]?.extensionData).toEqual(new Uint8Array());
    expect(ours.extensions[0]?.extensionData).toEqual(new Uint8Array());
  });

  it('has the lifetime libxmtp gives: one hour back, 84 days ahead', async () => {
    const now = new Date('2026-03-01T12:00:00.750Z');
    const { keyPackage } = await createXmtpKeyPackage({ inboxId: randomInboxId(), installationKey: newInstallationKey(), now });
    const nowS = BigInt(Math.floor(now.getTime() / 1000));
    expect(keyPackage.leafNode.lifetime).toEqual({ notBefore: nowS - 3600n, notAfter: nowS + 84n * 86400n });
    const fixture = decode(fixtureKeyPackageTls()).leafNode.lifetime;
    expect(fixture.notAfter - fixture.notBefore).toBe(3600n + 84n * 86400n);
  });

  it('uses the installation key as leaf signature key and MlsCredential{inbox_id} as identity', async () => {
    const installationKey = newInstallationKey();
    const inboxId = randomInboxId();
    const { keyPackage, privatePackage, tls } = await createXmtpKeyPackage({ inboxId, installationKey, now: new Date() });
    expect(keyPackage.leafNode.signaturePublicKey).toEqual(installationKey.publicKey);
    expect(privatePackage.signaturePrivateKey).toEqual(installationKey.privateKey);
    expect(keyPackage.leafNode.credential.credentialType).toBe('basic');
    if (keyPackage.leafNode.credential.credentialType === 'basic') {
      expect(MlsCredential.decode(keyPackage.leafNode.credential.identity).inboxId).toBe(inboxId);
    }
    expect(decode(tls)).toEqual(keyPackage);
  });

  it('round-trips: what it builds validates to the same inbox, installation and keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (digest, seed) => {
        const inboxId = Buffer.from(digest).toString('hex');
        const installationKey = { privateKey: seed, publicKey: ed25519.getPublicKey(seed) };
        const now = new Date();
        const built = await createXmtpKeyPackage({ inboxId, installationKey, now });
        const validated = await validateXmtpKeyPackage(built.tls, now);
        expect(validated.inboxId).toBe(inboxId);
        expect(validated.installationKey).toEqual(installationKey.publicKey);
        expect(validated.initKey).toEqual(built.keyPackage.initKey);
        expect(validated.hpkePublicKey).toEqual(built.keyPackage.leafNode.hpkePublicKey);
        expect(validated.welcomeWrapperKey?.algorithm).toBe('xwing-mlkem768-draft6');
        expect(validated.welcomeWrapperKey?.publicKey).toEqual(await xwingPublicKeyOf(built.welcomeWrapperPrivateKey ?? new Uint8Array()));
        expect(validated.keyPackage).toEqual(built.keyPackage);
      }),
      { numRuns: 8 },
    );
  });

  it('offers an X-Wing welcome key in 0xff03 whose private seed it returns, and none when asked not to', async () => {
    const installationKey = newInstallationKey();
    const inboxId = randomInboxId();
    const now = new Date();
    const a = await createXmtpKeyPackage({ inboxId, installationKey, now });
    const b = await createXmtpKeyPackage({ inboxId, installationKey, now });
    const keyA = (await validateXmtpKeyPackage(a.tls, now)).welcomeWrapperKey;
    expect(keyA?.publicKey.length).toBe(1216);
    expect(keyA?.publicKey).toEqual(await xwingPublicKeyOf(a.welcomeWrapperPrivateKey ?? new Uint8Array()));
    // One pair per key package, as libxmtp generates it.
    expect((await validateXmtpKeyPackage(b.tls, now)).welcomeWrapperKey?.publicKey).not.toEqual(keyA?.publicKey);
    const plain = await createXmtpKeyPackage({ inboxId, installationKey, now, xwingWelcomeWrapper: false });
    expect(types(plain.keyPackage.extensions)).toEqual([0x000a]);
    expect(plain.welcomeWrapperPrivateKey).toBeUndefined();
  });

  it('refuses an inbox id that is not 64 lowercase hex characters', async () => {
    const err = await createXmtpKeyPackage({ inboxId: 'ABC', installationKey: newInstallationKey(), now: new Date() }).catch((e: unknown) => e);
    expect(isParleyError(err, 'Mls.BadInput')).toBe(true);
  });

  it('refuses an installation public key that does not match its private key', async () => {
    const installationKey = { ...newInstallationKey(), publicKey: newInstallationKey().publicKey };
    const err = await createXmtpKeyPackage({ inboxId: randomInboxId(), installationKey, now: new Date() }).catch((e: unknown) => e);
    expect(isParleyError(err, 'Mls.BadInput')).toBe(true);
  });

  it('is accepted under the fixture inbox id at the fixture time', async () => {
    const { tls } = await createXmtpKeyPackage({ inboxId: FIXTURE_INBOX_ID, installationKey: newInstallationKey(), now: FIXTURE_CREATED_AT });
    await expect(validateXmtpKeyPackage(tls, FIXTURE_CREATED_AT)).resolves.toMatchObject({ inboxId: FIXTURE_INBOX_ID });
  });
});
