import type { KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { ParleyError } from '../errors';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import { createXmtpKeyPackage } from '../mls/keyPackage';
import { MAX_KEY_PACKAGE_BYTES } from '../mls/keyPackageProfile';
import { toHex } from './bytes';
import type { IdentityRecord, KeyPackageRecord, StoreOp } from './store';

/**
 * After a rotation the replaced key packages stay usable this long, for welcomes already on the
 * way (libxmtp xmtp_configuration KEYS_EXPIRATION_INTERVAL_NS, key_package_history delete_at_ns).
 */
export const REPLACED_KEY_PACKAGE_LIFETIME_NS = 24n * 60n * 60n * 1_000_000_000n;

/** Three X25519/Ed25519 secrets, each 32 bytes (init, leaf HPKE, signature). */
const PRIVATE_KEYS_BYTES = 96;

export function encodePrivateKeyPackage(keys: PrivateKeyPackage): Uint8Array {
  const out = new Uint8Array(PRIVATE_KEYS_BYTES);
  for (const [i, key] of [keys.initPrivateKey, keys.hpkePrivateKey, keys.signaturePrivateKey].entries()) {
    if (key.length !== 32) {
      throw new ParleyError('Client.BadInput', 'A key package private key is not 32 bytes.', { details: `${key.length} bytes` });
    }
    out.set(key, i * 32);
  }
  return out;
}

export function decodePrivateKeyPackage(bytes: Uint8Array): PrivateKeyPackage {
  if (bytes.length !== PRIVATE_KEYS_BYTES) {
    throw new ParleyError('Codec.Malformed', 'The stored key package private keys are malformed.', {
      details: `${bytes.length} bytes; expected ${PRIVATE_KEYS_BYTES}`,
    });
  }
  return {
    initPrivateKey: bytes.slice(0, 32),
    hpkePrivateKey: bytes.slice(32, 64),
    signaturePrivateKey: bytes.slice(64, 96),
  };
}

export function decodeStoredKeyPackage(record: KeyPackageRecord): { keyPackage: KeyPackage; privateKeys: PrivateKeyPackage } {
  if (record.keyPackage.length > MAX_KEY_PACKAGE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The stored key package is too large.', { details: `${record.keyPackage.length} bytes` });
  }
  const decoded = decodeTlsExact(decodeKeyPackage, record.keyPackage.slice());
  if (!decoded.ok) throw new ParleyError('Codec.Malformed', 'The stored key package does not decode.', { details: decoded.reason });
  return { keyPackage: decoded.value, privateKeys: decodePrivateKeyPackage(record.privateKeys) };
}

export interface NewKeyPackage {
  record: KeyPackageRecord;
  /** The raw TLS KeyPackage to upload (UploadKeyPackageRequest.key_package_tls_serialized). */
  tls: Uint8Array;
}

/** A fresh key package for this installation (libxmtp identity.rs new_key_package), stored by init key. */
export async function newKeyPackage(identity: IdentityRecord, now: Date): Promise<NewKeyPackage> {
  const created = await createXmtpKeyPackage({
    inboxId: identity.inboxId,
    installationKey: { privateKey: identity.installationPrivateKey, publicKey: identity.installationPublicKey },
    now,
  });
  const privateKeys = encodePrivateKeyPackage(created.privatePackage);
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
