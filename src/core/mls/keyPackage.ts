import { ed25519 } from '@noble/curves/ed25519.js';
import { generateKeyPackageWithKey } from 'ts-mls';
import type { KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { ParleyError } from '../errors';
import { bytesEqual } from './bytesEqual';
import { getXmtpCiphersuiteImpl } from './ciphersuite';
import { xmtpCredential } from './credential';
import {
  EXTENSION_LAST_RESORT,
  KEY_PACKAGE_BACKDATE_SECONDS,
  KEY_PACKAGE_LIFETIME_SECONDS,
  applicationIdExtension,
  xmtpLeafCapabilities,
} from './keyPackageProfile';

/** An installation's Ed25519 key pair: 32-byte seed and 32-byte public key (the installation id). */
export interface InstallationKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface CreateXmtpKeyPackageInput {
  inboxId: string;
  installationKey: InstallationKeyPair;
  now: Date;
}

export interface XmtpKeyPackage {
  keyPackage: KeyPackage;
  /** init, leaf HPKE and signature private keys; keep until the key package is replaced. */
  privatePackage: PrivateKeyPackage;
  /** The upload format: the raw TLS KeyPackage, no MLSMessage header (UploadKeyPackageRequest). */
  tls: Uint8Array;
}

/**
 * A key package as libxmtp v1.10.0 builds one (xmtp_mls/src/identity.rs `XmtpKeyPackageBuilder`):
 * suite 0x0003, MlsCredential identity, the installation key as leaf signature key, the inbox id
 * as leaf application_id, libxmtp's capabilities, 1 h back-dated 84-day lifetime, last_resort.
 * No 0xff03 (X-Wing wrapper key): peers then wrap welcomes to the init key with X25519. No 0xff04:
 * peers then never send this installation welcome pointers.
 */
export async function createXmtpKeyPackage(input: CreateXmtpKeyPackageInput): Promise<XmtpKeyPackage> {
  const { inboxId, installationKey, now } = input;
  const credential = xmtpCredential(inboxId);
  checkInstallationKey(installationKey);
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs) || nowMs < 0) {
    throw new ParleyError('Mls.BadInput', 'The key package needs a valid current time.', { details: `now is ${String(now)}` });
  }
  const nowS = BigInt(Math.floor(nowMs / 1000));
  const notBefore = nowS > KEY_PACKAGE_BACKDATE_SECONDS ? nowS - KEY_PACKAGE_BACKDATE_SECONDS : 0n;
  const cs = await getXmtpCiphersuiteImpl();
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    xmtpLeafCapabilities(),
    { notBefore, notAfter: nowS + KEY_PACKAGE_LIFETIME_SECONDS },
    [{ extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() }],
    { signKey: installationKey.privateKey, publicKey: installationKey.publicKey },
    cs,
    [applicationIdExtension(inboxId)],
  );
  return { keyPackage: publicPackage, privatePackage, tls: encodeKeyPackage(publicPackage) };
}

function checkInstallationKey(key: InstallationKeyPair): void {
  if (key.privateKey.length !== 32 || key.publicKey.length !== 32) {
    throw new ParleyError('Mls.BadInput', 'An installation key is an Ed25519 key pair of 32-byte halves.', {
      details: `private key ${key.privateKey.length} bytes, public key ${key.publicKey.length} bytes`,
    });
  }
  const derived = ed25519.getPublicKey(key.privateKey);
  if (!bytesEqual(derived, key.publicKey)) {
    throw new ParleyError('Mls.BadInput', 'The installation public key does not belong to its private key.');
  }
}
