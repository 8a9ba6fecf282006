import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMlsMessage, emptyPskIndex, joinGroup, processPrivateMessage } from 'ts-mls';
import { decryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { decodeHpkeCiphertext } from 'ts-mls/hpkeCiphertext.js';
import { ParleyError } from '../../../src/core/errors';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { decodeTlsExact } from '../../../src/core/mls/decodeTlsExact';
import { unwrapWelcome, welcomeHpkeInfo, wrapWelcome } from '../../../src/core/mls/welcome';
import { decodeWelcomeMetadata, encodeWelcomeMetadata } from '../../../src/core/mls/welcomeMetadata';
import type { TwoPartyGroup } from './framingGroupKit';
import { aliceAddsBob, applicationMessageTls, tlsOf } from './framingGroupKit';

async function failure(run: () => Promise<unknown>): Promise<ParleyError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParleyError);
  return err as ParleyError;
}

function hpkeCiphertext(data: Uint8Array) {
  const decoded = decodeTlsExact(decodeHpkeCiphertext, data);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
}

describe('welcome wrapping', () => {
  let group: TwoPartyGroup;
  let welcomeTls: Uint8Array;
  beforeAll(async () => {
    group = await aliceAddsBob();
    welcomeTls = tlsOf({ version: 'mls10', wireformat: 'mls_welcome', welcome: group.welcome });
  });

  it('uses info = EncryptContext{"MLS 1.0 MLS_WELCOME", ""} as openmls serialises it', () => {
    const label = new TextEncoder().encode('MLS 1.0 MLS_WELCOME');
    expect(welcomeHpkeInfo()).toEqual(new Uint8Array([label.length, ...label, 0]));
  });

  it('alice wraps the welcome to bob; bob unwraps it, joins, and reads her message', async () => {
    const metadata = encodeWelcomeMetadata(42n);
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: metadata, recipientInitKey: group.bob.keyPackage.initKey });
    expect(wrapped.wrapperAlgorithm).toBe(1);
    expect(wrapped.hpkePublicKey).toEqual(group.bob.keyPackage.initKey);
    expect(wrapped.welcomeMetadata).toHaveLength(metadata.length + 16);

    const unwrapped = await unwrapWelcome({
      data: wrapped.data,
      welcomeMetadata: wrapped.welcomeMetadata,
      initPrivateKey: group.bob.privatePackage.initPrivateKey,
    });
    expect(unwrapped.welcomeTls).toEqual(welcomeTls);
    expect(decodeWelcomeMetadata(unwrapped.welcomeMetadata)).toEqual({ messageCursor: 42n });

    const cs = await getXmtpCiphersuiteImpl();
    const message = decodeTlsExact(decodeMlsMessage, unwrapped.welcomeTls);
    if (!message.ok || message.value.wireformat !== 'mls_welcome') throw new Error('not a welcome');
    const bob = await joinGroup(message.value.welcome, group.bob.keyPackage, group.bob.privatePackage, emptyPskIndex, cs);
    expect(bob.groupContext.groupId).toEqual(group.groupId);
    expect(bob.groupContext.epoch).toBe(1n);

    const sent = decodeTlsExact(decodeMlsMessage, await applicationMessageTls(group.aliceAtEpoch1, 'hi bob'));
    if (!sent.ok || sent.value.wireformat !== 'mls_private_message') throw new Error('not a private message');
    const received = await processPrivateMessage(bob, sent.value.privateMessage, emptyPskIndex, cs);
    expect(received.kind).toBe('applicationMessage');
    if (received.kind === 'applicationMessage') expect(new TextDecoder().decode(received.message)).toBe('hi bob');
  });

  it('seals the welcome as MLS EncryptWithLabel("MLS_WELCOME") would (ts-mls opens it one-shot)', async () => {
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: group.bob.keyPackage.initKey });
    const cs = await getXmtpCiphersuiteImpl();
    const { kemOutput, ciphertext } = hpkeCiphertext(wrapped.data);
    const privateKey = await cs.hpke.importPrivateKey(group.bob.privatePackage.initPrivateKey);
    const opened = await decryptWithLabel(privateKey, 'MLS_WELCOME', new Uint8Array(), kemOutput, ciphertext, cs.hpke);
    expect(opened).toEqual(welcomeTls);
  });

  it('seals the metadata second in the same context, so a one-shot open of it fails', async () => {
    const metadata = encodeWelcomeMetadata(7n);
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: metadata, recipientInitKey: group.bob.keyPackage.initKey });
    const cs = await getXmtpCiphersuiteImpl();
    const { kemOutput } = hpkeCiphertext(wrapped.data);
    const privateKey = await cs.hpke.importPrivateKey(group.bob.privatePackage.initPrivateKey);
    await expect(decryptWithLabel(privateKey, 'MLS_WELCOME', new Uint8Array(), kemOutput, wrapped.welcomeMetadata, cs.hpke)).rejects.toThrow();
  });

  it('fails with Mls.WelcomeDecryptFailed under the wrong key', async () => {
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: group.bob.keyPackage.initKey });
    const err = await failure(() =>
      unwrapWelcome({ data: wrapped.data, welcomeMetadata: wrapped.welcomeMetadata, initPrivateKey: group.bob.privatePackage.hpkePrivateKey }),
    );
    expect(err.code).toBe('Mls.WelcomeDecryptFailed');
  });

  it('fails with Mls.WelcomeDecryptFailed on a tampered ciphertext or foreign metadata', async () => {
    const a = await wrapWelcome({ welcomeTls, welcomeMetadata: encodeWelcomeMetadata(1n), recipientInitKey: group.bob.keyPackage.initKey });
    const b = await wrapWelcome({ welcomeTls, welcomeMetadata: encodeWelcomeMetadata(1n), recipientInitKey: group.bob.keyPackage.initKey });
    const initPrivateKey = group.bob.privatePackage.initPrivateKey;
    const tampered = a.data.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect((await failure(() => unwrapWelcome({ data: tampered, welcomeMetadata: a.welcomeMetadata, initPrivateKey }))).code).toBe(
      'Mls.WelcomeDecryptFailed',
    );
    expect((await failure(() => unwrapWelcome({ data: a.data, welcomeMetadata: b.welcomeMetadata, initPrivateKey }))).code).toBe(
      'Mls.WelcomeDecryptFailed',
    );
  });

  it('treats empty sealed metadata as no metadata, as libxmtp does', async () => {
    const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata: encodeWelcomeMetadata(3n), recipientInitKey: group.bob.keyPackage.initKey });
    const unwrapped = await unwrapWelcome({ data: wrapped.data, welcomeMetadata: new Uint8Array(), initPrivateKey: group.bob.privatePackage.initPrivateKey });
    expect(unwrapped.welcomeTls).toEqual(welcomeTls);
    expect(unwrapped.welcomeMetadata).toEqual(new Uint8Array());
  });

  it('refuses a recipient key that is not 32 bytes', async () => {
    const err = await failure(() => wrapWelcome({ welcomeTls, welcomeMetadata: new Uint8Array(), recipientInitKey: new Uint8Array(31) }));
    expect(err.code).toBe('Mls.BadInput');
  });
});

describe('welcome wrapping properties', () => {
  let recipient: { initKey: Uint8Array; initPrivateKey: Uint8Array };
  beforeAll(async () => {
    const cs = await getXmtpCiphersuiteImpl();
    const pair = await cs.hpke.generateKeyPair();
    recipient = { initKey: await cs.hpke.exportPublicKey(pair.publicKey), initPrivateKey: await cs.hpke.exportPrivateKey(pair.privateKey) };
  });

  it('unwrap(wrap(x)) = x for any welcome and metadata bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), async (welcomeTls, welcomeMetadata) => {
        const wrapped = await wrapWelcome({ welcomeTls, welcomeMetadata, recipientInitKey: recipient.initKey });
        const unwrapped = await unwrapWelcome({ data: wrapped.data, welcomeMetadata: wrapped.welcomeMetadata, initPrivateKey: recipient.initPrivateKey });
        expect(unwrapped).toEqual({ welcomeTls, welcomeMetadata });
      }),
      { numRuns: 30 },
    );
  });

  it('gives only ParleyErrors for random data, metadata and keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 })),
        async (data, welcomeMetadata, initPrivateKey) => {
          const err = await failure(() => unwrapWelcome({ data, welcomeMetadata, initPrivateKey }));
          expect(['Codec.Malformed', 'Mls.WelcomeDecryptFailed', 'Mls.BadInput']).toContain(err.code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives only ParleyErrors for random bytes framed as an HPKECiphertext', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 63 }), async (kemOutput, ciphertext) => {
        const data = new Uint8Array([32, ...kemOutput, ciphertext.length, ...ciphertext]);
        const err = await failure(() => unwrapWelcome({ data, welcomeMetadata: new Uint8Array(), initPrivateKey: recipient.initPrivateKey }));
        expect(err.code).toBe('Mls.WelcomeDecryptFailed');
      }),
      { numRuns: 100 },
    );
  });
});

describe('WelcomeMetadata', () => {
  it('round-trips every uint64 cursor', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (messageCursor) => {
        expect(decodeWelcomeMetadata(encodeWelcomeMetadata(messageCursor))).toEqual({ messageCursor });
      }),
    );
  });

  it('encodes cursor 300 as field 1 varint, and cursor 0 as nothing (proto3 default)', () => {
    expect(encodeWelcomeMetadata(300n)).toEqual(new Uint8Array([0x08, 0xac, 0x02]));
    expect(encodeWelcomeMetadata(0n)).toEqual(new Uint8Array());
  });

  it('refuses a negative or 65-bit cursor', () => {
    expect(() => encodeWelcomeMetadata(-1n)).toThrow(ParleyError);
    expect(() => encodeWelcomeMetadata(1n << 64n)).toThrow(ParleyError);
  });

  it('gives only Codec errors for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
        try {
          decodeWelcomeMetadata(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect(['Codec.Malformed', 'Codec.TooLarge']).toContain((e as ParleyError).code);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
