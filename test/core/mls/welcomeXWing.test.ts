import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite } from '@hpke/core';
import { HkdfSha256 } from '@hpke/dhkem-x25519';
import { XWing } from '@hpke/hybridkem-x-wing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHpkeCiphertext, encodeHpkeCiphertext } from 'ts-mls/hpkeCiphertext.js';
import { ParleyError } from '../../../src/core/errors';
import { decodeTlsExact } from '../../../src/core/mls/decodeTlsExact';
import {
  WELCOME_WRAPPER_ALGORITHM_CURVE25519,
  WELCOME_WRAPPER_ALGORITHM_XWING,
  XWING_HPKE_KEM_ID_LIBXMTP,
  unwrapWelcome,
  welcomeHpkeInfo,
  wrapWelcome,
} from '../../../src/core/mls/welcome';
import { encodeWelcomeMetadata, decodeWelcomeMetadata } from '../../../src/core/mls/welcomeMetadata';
import { generateXWingKeyPair, isUsableXWingPublicKey, xwingPublicKeyOf, type XWingKeyPair } from '../../../src/core/mls/welcomeWrapperKey';

async function failure(run: () => Promise<unknown>): Promise<ParleyError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParleyError);
  return err as ParleyError;
}

const XWING = WELCOME_WRAPPER_ALGORITHM_XWING;

describe('X-Wing welcome wrapping', () => {
  let bob: XWingKeyPair;
  let mallory: XWingKeyPair;
  const welcomeTls = new TextEncoder().encode('an MLSMessage(welcome) stands here');
  beforeAll(async () => {
    bob = await generateXWingKeyPair();
    mallory = await generateXWingKeyPair();
  });

  it('a generated pair is a 32-byte seed and the 1216-byte public key that seed expands to', async () => {
    expect(bob.privateKey).toHaveLength(32);
    expect(bob.publicKey).toHaveLength(1216);
    expect(await xwingPublicKeyOf(bob.privateKey)).toEqual(bob.publicKey);
    expect(mallory.publicKey).not.toEqual(bob.publicKey);
  });

  it('alice wraps a welcome and its metadata to bob’s X-Wing key; bob opens both', async () => {
    const metadata = encodeWelcomeMetadata(7n);
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: metadata, recipientInitKey: bob.publicKey, wrapperAlgorithm: XWING });
    expect(wrapped.wrapperAlgorithm).toBe(2);
    expect(wrapped.hpkePublicKey).toEqual(bob.publicKey);
    const framed = decodeTlsExact(decodeHpkeCiphertext, wrapped.data);
    if (!framed.ok) throw new Error(framed.reason);
    expect(framed.value.kemOutput).toHaveLength(1120);
    expect(wrapped.welcomeMetadata).toHaveLength(metadata.length + 16);

    const opened = await unwrapWelcome({ data: wrapped.data, welcomeMetadata: wrapped.welcomeMetadata, initPrivateKey: bob.privateKey, wrapperAlgorithm: XWING });
    expect(opened.welcomeTls).toEqual(welcomeTls);
    expect(decodeWelcomeMetadata(opened.welcomeMetadata)).toEqual({ messageCursor: 7n });
    // libxmtp may leave the metadata out: the welcome still opens.
    const bare = await unwrapWelcome({ data: wrapped.data, welcomeMetadata: new Uint8Array(), initPrivateKey: bob.privateKey, wrapperAlgorithm: XWING });
    expect(bare).toEqual({ welcomeTls, welcomeMetadata: new Uint8Array() });
  });

  it('seals under libxmtp’s suite id (KEM 0x004d), which the registered X-Wing id 0x647a does not open', async () => {
    expect(XWING_HPKE_KEM_ID_LIBXMTP).toBe(0x004d);
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: bob.publicKey, wrapperAlgorithm: XWING });
    const framed = decodeTlsExact(decodeHpkeCiphertext, wrapped.data);
    if (!framed.ok) throw new Error(framed.reason);
    const registered = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
    const recipientKey = await registered.kem.deserializePrivateKey(bob.privateKey.slice());
    const recipient = await registered.createRecipientContext({ recipientKey, enc: framed.value.kemOutput.slice(), info: welcomeHpkeInfo() });
    await expect(recipient.open(framed.value.ciphertext)).rejects.toThrow();
  });

  it('refuses a welcome wrapped to another X-Wing key', async () => {
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: mallory.publicKey, wrapperAlgorithm: XWING });
    const err = await failure(() => unwrapWelcome({ data: wrapped.data, welcomeMetadata: new Uint8Array(), initPrivateKey: bob.privateKey, wrapperAlgorithm: XWING }));
    expect(err.code).toBe('Mls.WelcomeDecryptFailed');
  });

  it('refuses a welcome opened with the other algorithm than it was wrapped with', async () => {
    const xwingWrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: bob.publicKey, wrapperAlgorithm: XWING });
    // An X25519 private key is 32 bytes too: the X-Wing KEM output is what gives it away.
    const asCurve = await failure(() =>
      unwrapWelcome({ data: xwingWrapped.data, welcomeMetadata: new Uint8Array(), initPrivateKey: bob.privateKey, wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_CURVE25519 }),
    );
    expect(asCurve.code).toBe('Codec.Malformed');
    const curveWrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: bob.publicKey.subarray(1184) });
    const asXWing = await failure(() =>
      unwrapWelcome({ data: curveWrapped.data, welcomeMetadata: new Uint8Array(), initPrivateKey: bob.privateKey, wrapperAlgorithm: XWING }),
    );
    expect(asXWing.code).toBe('Codec.Malformed');
  });

  it('refuses, with Mls.BadInput, to wrap to 1216 bytes whose ML-KEM half fails the encapsulation-key check', async () => {
    // Coefficients of 0xfff are not below q = 3329 (FIPS 203 §7.2); the bytes still deserialize.
    const notAKey = new Uint8Array(1216).fill(0xff);
    expect(await isUsableXWingPublicKey(notAKey)).toBe(false);
    expect(await isUsableXWingPublicKey(bob.publicKey)).toBe(true);
    const err = await failure(() => wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: notAKey, wrapperAlgorithm: XWING }));
    expect(err.code).toBe('Mls.BadInput');
  });

  it('refuses to wrap to a key of the wrong size for X-Wing', async () => {
    const err = await failure(() => wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: new Uint8Array(32), wrapperAlgorithm: XWING }));
    expect(err.code).toBe('Mls.BadInput');
  });

  it('unwrap(wrap(x)) = x for any welcome and metadata bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), async (tls, welcomeMetadata) => {
        const wrapped = await wrapWelcome({ welcomeTls: tls, welcomeMetadata, recipientInitKey: bob.publicKey, wrapperAlgorithm: XWING });
        const opened = await unwrapWelcome({ data: wrapped.data, welcomeMetadata: wrapped.welcomeMetadata, initPrivateKey: bob.privateKey, wrapperAlgorithm: XWING });
        expect(opened).toEqual({ welcomeTls: tls, welcomeMetadata });
      }),
      { numRuns: 15 },
    );
  });

  it('gives only ParleyErrors for random data, metadata and keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1300 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 })),
        async (data, welcomeMetadata, initPrivateKey) => {
          const err = await failure(() => unwrapWelcome({ data, welcomeMetadata, initPrivateKey, wrapperAlgorithm: XWING }));
          expect(['Codec.Malformed', 'Mls.WelcomeDecryptFailed', 'Mls.BadInput']).toContain(err.code);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives Mls.WelcomeDecryptFailed for random X-Wing ciphertexts framed as an HPKECiphertext', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1120, maxLength: 1120 }), fc.uint8Array({ maxLength: 63 }), async (kemOutput, ciphertext) => {
        const data = encodeHpkeCiphertext({ kemOutput, ciphertext });
        const err = await failure(() => unwrapWelcome({ data, welcomeMetadata: new Uint8Array(), initPrivateKey: bob.privateKey, wrapperAlgorithm: XWING }));
        expect(err.code).toBe('Mls.WelcomeDecryptFailed');
      }),
      { numRuns: 30 },
    );
  });
});
