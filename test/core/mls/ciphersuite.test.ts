import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ciphersuites } from 'ts-mls';
import { XMTP_CIPHERSUITE_ID, XMTP_CIPHERSUITE_NAME, getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';

describe('the XMTP ciphersuite', () => {
  it('is 0x0003, X25519 / ChaCha20-Poly1305 / SHA-256 / Ed25519', async () => {
    expect(ciphersuites[XMTP_CIPHERSUITE_NAME]).toBe(XMTP_CIPHERSUITE_ID);
    expect(XMTP_CIPHERSUITE_ID).toBe(3);
    const cs = await getXmtpCiphersuiteImpl();
    expect(cs.name).toBe(XMTP_CIPHERSUITE_NAME);
    expect(cs.hpke.keyLength).toBe(32);
    expect(cs.hpke.nonceLength).toBe(12);
  });

  it('signs with raw 32-byte Ed25519 seeds, as installation keys are stored', async () => {
    const cs = await getXmtpCiphersuiteImpl();
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const message = new TextEncoder().encode('parley');
    const signature = await cs.signature.sign(seed, message);
    expect(await cs.signature.verify(ed25519.getPublicKey(seed), message, signature)).toBe(true);
    expect(signature).toEqual(ed25519.sign(message, seed));
  });

  it('hands out one shared implementation', async () => {
    expect(await getXmtpCiphersuiteImpl()).toBe(await getXmtpCiphersuiteImpl());
  });
});
