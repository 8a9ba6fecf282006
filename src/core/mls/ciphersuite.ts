import { getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';
import type { CiphersuiteImpl, CiphersuiteName } from 'ts-mls';

/**
 * XMTP runs every group on MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (RFC 9420 §17.1,
 * id 0x0003). libxmtp: xmtp_cryptography/src/configuration.rs `CIPHERSUITE`.
 */
export const XMTP_CIPHERSUITE_ID = 0x0003;
export const XMTP_CIPHERSUITE_NAME: CiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519';

let impl: Promise<CiphersuiteImpl> | undefined;

/**
 * ts-mls's implementation of suite 0x0003. The noble provider is used so that hashing does not
 * depend on WebCrypto; the object is stateless, so one instance is shared.
 */
export function getXmtpCiphersuiteImpl(): Promise<CiphersuiteImpl> {
  impl ??= getCiphersuiteImpl(getCiphersuiteFromName(XMTP_CIPHERSUITE_NAME), nobleCryptoProvider).catch((e: unknown) => {
    impl = undefined;
    throw e;
  });
  return impl;
}
