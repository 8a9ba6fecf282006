import { CipherSuite } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';

// The KEM every HPKE here runs on (the MLS suite's HPKE and the welcome wrapper): X25519 in
// JavaScript, so no browser's WebCrypto gap matters (withoutWebCryptoX25519.test.ts runs it with
// WebCrypto refusing X25519).
describe("DHKEM(X25519, HKDF-SHA256) from @hpke/dhkem-x25519", () => {
  it('opens what the MLS suite seals to it, with the RFC 9180 sizes and id', async () => {
    const impl = await getXmtpCiphersuiteImpl();
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
    const pair = await suite.kem.generateKeyPair();
    const publicKey = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
    const info = new TextEncoder().encode('info');
    const sealed = await impl.hpke.seal(await impl.hpke.importPublicKey(publicKey), new TextEncoder().encode('hello'), info);
    expect(sealed.enc.byteLength).toBe(32);
    const opened = await suite.open({ recipientKey: pair.privateKey, enc: sealed.enc, info }, sealed.ct);
    expect(new TextDecoder().decode(opened)).toBe('hello');
    expect(suite.kem.id).toBe(0x0020);
  });

  it('refuses a public key of the wrong length and a small-order point', async () => {
    const kem = new DhkemX25519HkdfSha256();
    await expect(kem.deserializePublicKey(new Uint8Array(31))).rejects.toThrow();
    // u = 0 is of small order: the shared secret would be all zeros (RFC 7748 §6.1).
    const zeroPoint = await kem.deserializePublicKey(new Uint8Array(32));
    await expect(kem.encap({ recipientPublicKey: zeroPoint })).rejects.toThrow();
  });
});
