import { CipherSuite } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';
import type { CiphersuiteImpl, CiphersuiteName } from 'ts-mls';
import { makeGenericHpke } from 'ts-mls/crypto/implementation/hpke.js';
import { makeAead } from 'ts-mls/crypto/implementation/noble/makeAead.js';
import { makeKdf } from 'ts-mls/crypto/implementation/noble/makeKdfImpl.js';

/**
 * XMTP runs every group on MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (RFC 9420 §17.1,
 * id 0x0003). libxmtp: xmtp_cryptography/src/configuration.rs `CIPHERSUITE`.
 */
export const XMTP_CIPHERSUITE_ID = 0x0003;
export const XMTP_CIPHERSUITE_NAME: CiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519';

let impl: Promise<CiphersuiteImpl> | undefined;

/**
 * ts-mls's implementation of suite 0x0003. The noble provider is used so that hashing does not
 * depend on WebCrypto; its HPKE, though, takes @hpke/core's DHKEM(X25519), which is WebCrypto
 * X25519 and fails in Firefox ESR 140 (DESIGN §7), so HPKE is rebuilt the way ts-mls builds it
 * with @hpke/dhkem-x25519's KEM in its place (noble's X25519 in JavaScript, the one the welcome
 * wrapper already used). The object is stateless, so one instance is shared.
 */
export function getXmtpCiphersuiteImpl(): Promise<CiphersuiteImpl> {
  impl ??= makeXmtpCiphersuiteImpl().catch((e: unknown) => {
    impl = undefined;
    throw e;
  });
  return impl;
}

async function makeXmtpCiphersuiteImpl(): Promise<CiphersuiteImpl> {
  const suite = getCiphersuiteFromName(XMTP_CIPHERSUITE_NAME);
  const base = await getCiphersuiteImpl(suite, nobleCryptoProvider);
  const [aead, aeadInterface] = await makeAead(suite.hpke.aead);
  const hpkeSuite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: makeKdf(suite.hpke.kdf), aead: aeadInterface });
  return { ...base, hpke: await makeGenericHpke(suite.hpke, aead, hpkeSuite) };
}
