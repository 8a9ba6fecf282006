import { ed25519 } from '@noble/curves/ed25519.js';
import { generateKeyPackageWithKey } from 'ts-mls';
import type { Extension, KeyPackage, PrivateKeyPackage } from 'ts-mls';
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
import { generateXWingKeyPair, welcomeWrapperEncryptionExtension } from './welcomeWrapperKey';

/** An installation's Ed25519 key pair: 32-byte seed and 32-byte public key (the installation id). */
export interface InstallationKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface CreateXmtpKeyPackageInput {
  inboxId: string;
  installationKey: InstallationKeyPair;
  now: Date;
  /** Offer an X-Wing welcome wrapper key (0xff03), as libxmtp 1.10 does; true unless false. */
  xwingWelcomeWrapper?: boolean;
}

export interface XmtpKeyPackage {
  keyPackage: KeyPackage;
  /** init, leaf HPKE and signature private keys; keep until the key package is replaced. */
  privatePackage: PrivateKeyPackage;
  /** The X-Wing seed behind the 0xff03 key, when the key package offers one; keep with privatePackage. */
  welcomeWrapperPrivateKey?: Uint8Array;
  /** The upload format: the raw TLS KeyPackage, no MLSMessage header (UploadKeyPackageRequest). */
  tls: Uint8Array;
}

/**
 * A key package as libxmtp v1.10.0 builds one (xmtp_mls/src/identity.rs `XmtpKeyPackageBuilder`):
 * suite 0x0003, MlsCredential identity, the installation key as leaf signature key, the inbox id
 * as leaf application_id, libxmtp's capabilities, 1 h back-dated 84-day lifetime, last_resort.
 * A fresh X-Wing key in 0xff03 (libxmtp CREATE_PQ_KEY_PACKAGE_EXTENSION): peers then wrap welcomes
 * to it with X-Wing. No 0xff04: peers then never send this installation welcome pointers.
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
  const xwing = input.xwingWelcomeWrapper === false ? undefined : await generateXWingKeyPair();
  // libxmtp's order: last_resort, then (0xff04, which Parley leaves out) 0xff03.
  const extensions: Extension[] = [{ extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() }];
  if (xwing !== undefined) extensions.push(welcomeWrapperEncryptionExtension(xwing.publicKey));
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    xmtpLeafCapabilities(),
    { notBefore, notAfter: nowS + KEY_PACKAGE_LIFETIME_SECONDS },
    extensions,
    { signKey: installationKey.privateKey, publicKey: installationKey.publicKey },
    cs,
    [applicationIdExtension(inboxId)],
  );
  const result: XmtpKeyPackage = { keyPackage: publicPackage, privatePackage, tls: encodeKeyPackage(publicPackage) };
  if (xwing !== undefined) result.welcomeWrapperPrivateKey = xwing.privateKey;
  return result;
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
