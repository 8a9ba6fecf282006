import { CipherSuite } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NobleDhkemX25519HkdfSha256 } from '../../../src/core/mls/dhkemX25519';

const suiteWith = (kem: NobleDhkemX25519HkdfSha256 | DhkemX25519HkdfSha256) => new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
const bytes = (b: ArrayBuffer) => new Uint8Array(b);

describe('DHKEM(X25519, HKDF-SHA256) on @noble/curves', () => {
  it('derives the same key pairs as @hpke/dhkem-x25519 from the same input keying material', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 64 }), async (ikm) => {
        const ours = new NobleDhkemX25519HkdfSha256();
        const theirs = new DhkemX25519HkdfSha256();
        const a = await ours.deriveKeyPair(ikm.slice());
        const b = await theirs.deriveKeyPair(ikm.slice());
        expect(bytes(await ours.serializePublicKey(a.publicKey))).toEqual(bytes(await theirs.serializePublicKey(b.publicKey)));
        expect(bytes(await ours.serializePrivateKey(a.privateKey))).toEqual(bytes(await theirs.serializePrivateKey(b.privateKey)));
      }),
      { numRuns: 20 },
    );
  });

  it('seals what the other implementation opens, both ways, and the RFC 9180 sizes and id', async () => {
    const ours = suiteWith(new NobleDhkemX25519HkdfSha256());
    const theirs = suiteWith(new DhkemX25519HkdfSha256());
    const info = new TextEncoder().encode('info');
    for (const [sender, recipient] of [[ours, theirs], [theirs, ours]] as const) {
      const pair = await recipient.kem.generateKeyPair();
      const sealed = await sender.seal({ recipientPublicKey: await sender.kem.deserializePublicKey(await recipient.kem.serializePublicKey(pair.publicKey)), info }, new TextEncoder().encode('hello'));
      expect(sealed.enc.byteLength).toBe(32);
      const recipientKey = await recipient.kem.deserializePrivateKey(await recipient.kem.serializePrivateKey(pair.privateKey));
      expect(new TextDecoder().decode(await recipient.open({ recipientKey, enc: sealed.enc, info }, sealed.ct))).toBe('hello');
    }
    expect(ours.kem.id).toBe(0x0020);
  });

  it('refuses a public key of the wrong length and a small-order point', async () => {
    const kem = new NobleDhkemX25519HkdfSha256();
    await expect(kem.deserializePublicKey(new Uint8Array(31))).rejects.toThrow();
    // u = 0 is of small order: the shared secret would be all zeros (RFC 7748 §6.1).
    const zeroPoint = await kem.deserializePublicKey(new Uint8Array(32));
    await expect(kem.encap({ recipientPublicKey: zeroPoint })).rejects.toThrow();
  });
});
