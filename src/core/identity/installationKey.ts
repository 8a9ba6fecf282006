import { ed25519, ed25519ph } from '@noble/curves/ed25519.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';
import type { InstallationSigner } from './signer';

/** libxmtp xmtp_id constants.rs INSTALLATION_KEY_SIGNATURE_CONTEXT ("DO NOT CHANGE"). */
export const INSTALLATION_KEY_SIGNATURE_CONTEXT = utf8ToBytes('IDENTITY UPDATE SIGNATURE');

export interface InstallationKeyPair {
  /** 32-byte Ed25519 seed; wipe with `.fill(0)` when done. */
  readonly secretKey: Uint8Array;
  /** 32-byte Ed25519 public key: the installation id. */
  readonly publicKey: Uint8Array;
}

/** A fresh installation key (Ed25519); its public key is the installation id. */
export function generateInstallationKey(): InstallationKeyPair {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

export function installationPublicKey(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey);
}

/** Lowercase hex of the public key, as topics and signature texts print it. */
export function installationIdHex(publicKey: Uint8Array): string {
  return bytesToHex(publicKey);
}

/**
 * Ed25519ph (RFC 8032 §5.1, SHA-512 prehash) over the UTF-8 text with the identity-update
 * context, as libxmtp signs (xmtp_id associations/signature.rs `credential_sign`).
 */
export function signWithInstallationKey(secretKey: Uint8Array, text: string): Uint8Array {
  if (secretKey.length !== 32) {
    throw new ParleyError('Identity.BadInput', 'An installation secret key is 32 bytes.', { details: `${secretKey.length} bytes` });
  }
  return ed25519ph.sign(utf8ToBytes(text), secretKey, { context: INSTALLATION_KEY_SIGNATURE_CONTEXT });
}

/**
 * True when `signature` is the installation key's Ed25519ph signature of `text`. Strict
 * encodings (no ZIP-215 leniency) and s < L, like ed25519-dalek's `verify_prehashed`.
 */
export function verifyInstallationSignature(publicKey: Uint8Array, text: string, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519ph.verify(signature, utf8ToBytes(text), publicKey, {
      context: INSTALLATION_KEY_SIGNATURE_CONTEXT,
      zip215: false,
    });
  } catch {
    return false;
  }
}

/** A Signer for an installation key (the secret stays in this closure; wipe the caller's copy). */
export function installationKeySigner(secretKey: Uint8Array): InstallationSigner {
  const key = new Uint8Array(secretKey);
  const publicKey = installationPublicKey(key);
  return {
    identifierKind: 'installation',
    identifier: installationIdHex(publicKey),
    publicKey,
    signatureKind: 'installationKey',
    signMessage(text) {
      return Promise.resolve(signWithInstallationKey(key, text));
    },
  };
}
