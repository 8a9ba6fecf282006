import { MlsCredential } from '@xmtp/proto/identity/credential.pb';
import { WelcomeWrapperEncryption } from '@xmtp/proto/mls/message_contents/wrapper_encryption.pb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../src/core/errors';
import { xmtpLeafCapabilities, EXTENSION_LAST_RESORT, EXTENSION_WELCOME_WRAPPER_ENCRYPTION, applicationIdExtension } from '../../../src/core/mls/keyPackageProfile';
import { validateXmtpKeyPackage } from '../../../src/core/mls/keyPackageValidate';
import {
  FIXTURE_CREATED_AT,
  FIXTURE_INBOX_ID,
  FIXTURE_INSTALLATION_KEY_HEX,
  customKeyPackageTls,
  fixtureKeyPackageTls,
  randomInboxId,
} from './keyPackageTestKit';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const DAY_MS = 86_400_000;

/** The rejection's details, failing the test if it was anything but Mls.InvalidKeyPackage. */
async function rejection(tls: Uint8Array, now: Date): Promise<string> {
  const err = await validateXmtpKeyPackage(tls, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParleyError);
  expect((err as ParleyError).code).toBe('Mls.InvalidKeyPackage');
  return (err as ParleyError).details ?? '';
}

describe('validateXmtpKeyPackage on the libxmtp 1.10.0 capture', () => {
  it('accepts the key package and reads inbox, installation, keys and lifetime', async () => {
    const v = await validateXmtpKeyPackage(fixtureKeyPackageTls(), FIXTURE_CREATED_AT);
    expect(v.inboxId).toBe(FIXTURE_INBOX_ID);
    expect(hex(v.installationKey)).toBe(FIXTURE_INSTALLATION_KEY_HEX);
    expect(v.notBefore).toBe(1795664735n - 3600n);
    expect(v.notAfter).toBe(1795664735n + 84n * 86400n);
    expect(v.initKey).toHaveLength(32);
    expect(v.hpkePublicKey).toHaveLength(32);
    expect(v.initKey).not.toEqual(v.hpkePublicKey);
    expect(v.welcomeWrapperKey?.algorithm).toBe('xwing-mlkem768-draft6');
    expect(v.welcomeWrapperKey?.publicKey).toHaveLength(1216);
  });

  it('rejects the capture once it has expired', async () => {
    const details = await rejection(fixtureKeyPackageTls(), new Date(FIXTURE_CREATED_AT.getTime() + 85 * DAY_MS));
    expect(details).toMatch(/^expired/);
  });

  it('rejects the capture before its not_before', async () => {
    const details = await rejection(fixtureKeyPackageTls(), new Date(FIXTURE_CREATED_AT.getTime() - 2 * 3600_000));
    expect(details).toMatch(/^not yet valid/);
  });

  it('tolerates a few minutes of clock skew on not_before', async () => {
    const justBefore = new Date((1795664735 - 3600 - 60) * 1000);
    await expect(validateXmtpKeyPackage(fixtureKeyPackageTls(), justBefore)).resolves.toBeDefined();
  });

  it('rejects a tampered key package signature', async () => {
    const tls = fixtureKeyPackageTls();
    tls[tls.length - 1]! ^= 0x01;
    expect(await rejection(tls, FIXTURE_CREATED_AT)).toBe('key package signature does not verify');
  });

  it('rejects a tampered leaf (its signature no longer covers it)', async () => {
    const tls = fixtureKeyPackageTls();
    // Byte 0x40 of the key package is inside the leaf's HPKE encryption key.
    tls[0x40]! ^= 0x01;
    expect(await rejection(tls, FIXTURE_CREATED_AT)).toBe('leaf node signature does not verify');
  });

  it('rejects trailing bytes after the key package', async () => {
    const tls = new Uint8Array([...fixtureKeyPackageTls(), 0]);
    expect(await rejection(tls, FIXTURE_CREATED_AT)).toBe('not a TLS KeyPackage: 1 trailing bytes');
  });

  it('rejects an MLSMessage-wrapped key package (the upload is the bare KeyPackage)', async () => {
    const tls = new Uint8Array([0x00, 0x01, 0x00, 0x05, ...fixtureKeyPackageTls()]);
    expect(await rejection(tls, FIXTURE_CREATED_AT)).toMatch(/^not a TLS KeyPackage|^ciphersuite/);
  });
});

describe('validateXmtpKeyPackage on well-signed but wrong key packages', () => {
  const now = new Date();
  const nowS = BigInt(Math.floor(now.getTime() / 1000));

  it('rejects another ciphersuite', async () => {
    const tls = await customKeyPackageTls({ suite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' }, now);
    expect(await rejection(tls, now)).toBe('ciphersuite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 is not 0x0003');
  });

  it('rejects an expired lifetime', async () => {
    const tls = await customKeyPackageTls({ lifetime: { notBefore: nowS - 80n * 86400n, notAfter: nowS - 10n } }, now);
    expect(await rejection(tls, now)).toMatch(/^expired: not_after/);
  });

  it('rejects a lifetime that has not started', async () => {
    const tls = await customKeyPackageTls({ lifetime: { notBefore: nowS + 3600n, notAfter: nowS + 80n * 86400n } }, now);
    expect(await rejection(tls, now)).toMatch(/^not yet valid: not_before/);
  });

  it('rejects a lifetime longer than 84 days and an hour', async () => {
    const tls = await customKeyPackageTls({ lifetime: { notBefore: 0n, notAfter: (1n << 64n) - 1n } }, now);
    expect(await rejection(tls, now)).toMatch(/^lifetime spans/);
  });

  it('rejects an inverted lifetime', async () => {
    const tls = await customKeyPackageTls({ lifetime: { notBefore: nowS + 10n, notAfter: nowS - 10n } }, now);
    expect(await rejection(tls, now)).toMatch(/^lifetime ends/);
  });

  it('rejects a credential identity that is not an MlsCredential', async () => {
    const tls = await customKeyPackageTls({ credential: { credentialType: 'basic', identity: new TextEncoder().encode('alice') } }, now);
    expect(await rejection(tls, now)).toMatch(/^bad credential: /);
  });

  it('rejects an MlsCredential whose inbox id is not a hex digest', async () => {
    const identity = MlsCredential.encode({ inboxId: 'not-an-inbox' }).finish();
    const tls = await customKeyPackageTls({ credential: { credentialType: 'basic', identity } }, now);
    expect(await rejection(tls, now)).toBe('bad credential: MlsCredential.inbox_id is not 64 lowercase hex characters');
  });

  it('rejects an X.509 credential', async () => {
    const tls = await customKeyPackageTls({ credential: { credentialType: 'x509', certificates: [new Uint8Array([1, 2, 3])] } }, now);
    expect(await rejection(tls, now)).toBe('bad credential: credential type is x509');
  });

  it('rejects a leaf without application_id', async () => {
    const tls = await customKeyPackageTls({ leafExtensions: [] }, now);
    expect(await rejection(tls, now)).toBe('leaf node has no application_id extension');
  });

  it('rejects an application_id naming another inbox', async () => {
    const tls = await customKeyPackageTls({ leafExtensions: [applicationIdExtension(randomInboxId())] }, now);
    expect(await rejection(tls, now)).toBe('application_id does not match the credential inbox id');
  });

  it('rejects capabilities without suite 0x0003', async () => {
    const capabilities = { ...xmtpLeafCapabilities(), ciphersuites: ['MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const] };
    const tls = await customKeyPackageTls({ capabilities }, now);
    expect(await rejection(tls, now)).toBe('capabilities do not list ciphersuite 0x0003');
  });

  it('rejects a leaf extension missing from the capabilities', async () => {
    const inboxId = randomInboxId();
    const leafExtensions = [applicationIdExtension(inboxId), { extensionType: 0xff77, extensionData: new Uint8Array([1]) }];
    const tls = await customKeyPackageTls({ inboxId, leafExtensions }, now);
    expect(await rejection(tls, now)).toBe('leaf node carries an extension its capabilities do not list');
  });

  it('rejects a repeated key package extension', async () => {
    const last = { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() };
    const tls = await customKeyPackageTls({ extensions: [last, last] }, now);
    expect(await rejection(tls, now)).toBe('key package lists extension 0x000a twice');
  });

  it('rejects a malformed welcome wrapper extension', async () => {
    const extensionData = WelcomeWrapperEncryption.encode({ pubKey: new Uint8Array(10), algorithm: 2 }).finish();
    const tls = await customKeyPackageTls({ extensions: [{ extensionType: EXTENSION_WELCOME_WRAPPER_ENCRYPTION, extensionData }] }, now);
    expect(await rejection(tls, now)).toBe('welcome wrapper xwing-mlkem768-draft6 key is 10 bytes, not 1216');
  });

  it('gives each rejection its own details text', async () => {
    const texts = await Promise.all([
      customKeyPackageTls({ suite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' }, now).then((t) => rejection(t, now)),
      customKeyPackageTls({ lifetime: { notBefore: nowS - 80n * 86400n, notAfter: nowS - 10n } }, now).then((t) => rejection(t, now)),
      customKeyPackageTls({ lifetime: { notBefore: nowS + 3600n, notAfter: nowS + 80n * 86400n } }, now).then((t) => rejection(t, now)),
      customKeyPackageTls({ credential: { credentialType: 'basic', identity: new Uint8Array([0xff]) } }, now).then((t) => rejection(t, now)),
      (async () => {
        const tls = fixtureKeyPackageTls();
        tls[tls.length - 1]! ^= 0x80;
        return rejection(tls, FIXTURE_CREATED_AT);
      })(),
    ]);
    expect(new Set(texts.map((t) => t.split(':')[0])).size).toBe(texts.length);
  });
});

describe('validateXmtpKeyPackage on hostile bytes', () => {
  it('gives only Mls.InvalidKeyPackage for random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const err = await validateXmtpKeyPackage(bytes, new Date()).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ParleyError);
        expect((err as ParleyError).code).toBe('Mls.InvalidKeyPackage');
      }),
      { numRuns: 500 },
    );
  });

  it('gives only Mls.InvalidKeyPackage for corrupted and truncated captures', async () => {
    const original = fixtureKeyPackageTls();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.nat({ max: original.length }),
        async (at, flip, cut) => {
          const bytes = original.slice(0, Math.max(cut, at + 1));
          bytes[at]! ^= flip;
          const err = await validateXmtpKeyPackage(bytes, FIXTURE_CREATED_AT).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(ParleyError);
          expect((err as ParleyError).code).toBe('Mls.InvalidKeyPackage');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses oversized input before decoding it', async () => {
    expect(await rejection(new Uint8Array(64 * 1024 + 1), new Date())).toMatch(/the limit is 65536$/);
  });
});
