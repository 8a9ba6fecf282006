import { WelcomeWrapperEncryption } from '@xmtp/proto/mls/message_contents/wrapper_encryption.pb';
import type { KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { extensionTypeToNumber } from 'ts-mls/extension.js';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { ParleyError } from '../errors';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import { createXmtpKeyPackage } from '../mls/keyPackage';
import { EXTENSION_WELCOME_WRAPPER_ENCRYPTION, MAX_KEY_PACKAGE_BYTES } from '../mls/keyPackageProfile';
import { WELCOME_WRAPPER_ALGORITHM_XWING } from '../mls/welcome';
import { toHex } from './bytes';
import type { IdentityRecord, KeyPackageRecord, StoreOp } from './store';

/**
 * After a rotation the replaced key packages stay usable this long, for welcomes already on the
 * way (libxmtp xmtp_configuration KEYS_EXPIRATION_INTERVAL_NS, key_package_history delete_at_ns).
 */
export const REPLACED_KEY_PACKAGE_LIFETIME_NS = 24n * 60n * 60n * 1_000_000_000n;

/** Three X25519/Ed25519 secrets, each 32 bytes (init, leaf HPKE, signature). */
const PRIVATE_KEYS_BYTES = 96;
/** The same plus the 32-byte X-Wing seed of the key package's 0xff03 welcome wrapper key. */
const PRIVATE_KEYS_WITH_XWING_BYTES = PRIVATE_KEYS_BYTES + 32;

/**
 * The key package's private keys as stored (KeyPackageRecord.privateKeys, which stores encrypt):
 * init ‖ leaf HPKE ‖ signature, then the X-Wing seed when the key package offers 0xff03. Key
 * packages made before Parley offered X-Wing have the 96-byte form.
 */
export function encodePrivateKeyPackage(keys: PrivateKeyPackage, welcomeWrapperPrivateKey?: Uint8Array): Uint8Array {
  const parts = [keys.initPrivateKey, keys.hpkePrivateKey, keys.signaturePrivateKey];
  if (welcomeWrapperPrivateKey !== undefined) parts.push(welcomeWrapperPrivateKey);
  const out = new Uint8Array(parts.length * 32);
  for (const [i, key] of parts.entries()) {
    if (key.length !== 32) {
      throw new ParleyError('Client.BadInput', 'A key package private key is not 32 bytes.', { details: `${key.length} bytes` });
    }
    out.set(key, i * 32);
  }
  return out;
}

export function decodePrivateKeyPackage(bytes: Uint8Array): PrivateKeyPackage {
  return decodeKeyPackageSecrets(bytes).privateKeys;
}

export interface KeyPackageSecrets {
  privateKeys: PrivateKeyPackage;
  /** The X-Wing seed behind the key package's 0xff03 key; absent for key packages without one. */
  welcomeWrapperPrivateKey?: Uint8Array;
}

export function decodeKeyPackageSecrets(bytes: Uint8Array): KeyPackageSecrets {
  if (bytes.length !== PRIVATE_KEYS_BYTES && bytes.length !== PRIVATE_KEYS_WITH_XWING_BYTES) {
    throw new ParleyError('Codec.Malformed', 'The stored key package private keys are malformed.', {
      details: `${bytes.length} bytes; expected ${PRIVATE_KEYS_BYTES} or ${PRIVATE_KEYS_WITH_XWING_BYTES}`,
    });
  }
  const secrets: KeyPackageSecrets = {
    privateKeys: {
      initPrivateKey: bytes.slice(0, 32),
      hpkePrivateKey: bytes.slice(32, 64),
      signaturePrivateKey: bytes.slice(64, 96),
    },
  };
  if (bytes.length === PRIVATE_KEYS_WITH_XWING_BYTES) secrets.welcomeWrapperPrivateKey = bytes.slice(96, 128);
  return secrets;
}

export interface StoredKeyPackage extends KeyPackageSecrets {
  keyPackage: KeyPackage;
}

export function decodeStoredKeyPackage(record: KeyPackageRecord): StoredKeyPackage {
  return { keyPackage: decodeStoredPublicKeyPackage(record), ...decodeKeyPackageSecrets(record.privateKeys) };
}

/** The public half of a stored key package, its secrets left unread. */
export function decodeStoredPublicKeyPackage(record: KeyPackageRecord): KeyPackage {
  if (record.keyPackage.length > MAX_KEY_PACKAGE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The stored key package is too large.', { details: `${record.keyPackage.length} bytes` });
  }
  const decoded = decodeTlsExact(decodeKeyPackage, record.keyPackage.slice());
  if (!decoded.ok) throw new ParleyError('Codec.Malformed', 'The stored key package does not decode.', { details: decoded.reason });
  return decoded.value;
}

/**
 * The X-Wing public key a stored key package offers in 0xff03, or undefined when it offers none
 * (libxmtp finds the key package of an X-Wing welcome by this key: identity.rs
 * store_key_package_references).
 */
export function storedWelcomeWrapperPublicKey(keyPackage: KeyPackage): Uint8Array | undefined {
  const extension = keyPackage.extensions.find((e) => extensionTypeToNumber(e.extensionType) === EXTENSION_WELCOME_WRAPPER_ENCRYPTION);
  if (extension === undefined) return undefined;
  try {
    const decoded = WelcomeWrapperEncryption.decode(extension.extensionData);
    return decoded.algorithm === WELCOME_WRAPPER_ALGORITHM_XWING ? new Uint8Array(decoded.pubKey) : undefined;
  } catch {
    return undefined;
  }
}

export interface NewKeyPackage {
  record: KeyPackageRecord;
  /** The raw TLS KeyPackage to upload (UploadKeyPackageRequest.key_package_tls_serialized). */
  tls: Uint8Array;
}

/**
 * A fresh key package for this installation (libxmtp identity.rs new_key_package), stored by init
 * key. It offers a fresh X-Wing welcome wrapper key (0xff03), so an installation registered before
 * Parley offered one gains it at its next rotation.
 */
export async function newKeyPackage(identity: IdentityRecord, now: Date): Promise<NewKeyPackage> {
  const created = await createXmtpKeyPackage({
    inboxId: identity.inboxId,
    installationKey: { privateKey: identity.installationPrivateKey, publicKey: identity.installationPublicKey },
    now,
  });
  const privateKeys = encodePrivateKeyPackage(created.privatePackage, created.welcomeWrapperPrivateKey);
  created.welcomeWrapperPrivateKey?.fill(0);
  return {
    record: {
      id: toHex(created.keyPackage.initKey),
      keyPackage: created.tls,
      privateKeys,
      createdAtNs: BigInt(now.getTime()) * 1_000_000n,
    },
    tls: created.tls,
  };
}

/**
 * The store operations that retire every other key package once `current` is uploaded: they stay
 * for REPLACED_KEY_PACKAGE_LIFETIME_NS (libxmtp mark_key_package_before_id_to_be_deleted), and
 * those past their time are deleted.
 */
export function retireKeyPackagesOps(all: readonly KeyPackageRecord[], currentId: string, nowNs: bigint): StoreOp[] {
  const ops: StoreOp[] = [];
  for (const record of all) {
    if (record.id === currentId) continue;
    if (record.deleteAtNs === undefined) {
      ops.push({ op: 'putKeyPackage', record: { ...record, deleteAtNs: nowNs + REPLACED_KEY_PACKAGE_LIFETIME_NS } });
    } else if (record.deleteAtNs <= nowNs) {
      ops.push({ op: 'deleteKeyPackage', keyPackageId: record.id });
    }
  }
  return ops;
}
