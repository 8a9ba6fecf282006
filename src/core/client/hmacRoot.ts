import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';
import type { IdentityRecord } from './store';

/** libxmtp xmtp_db user_preferences.rs HmacKey::random_key and store_hmac_key: exactly 42 bytes. */
export const HMAC_ROOT_KEY_LENGTH = 42;

/** A new push-filter root: 42 random bytes, as libxmtp makes one per user. */
export function newHmacRootKey(): Uint8Array {
  return randomBytes(HMAC_ROOT_KEY_LENGTH);
}

/**
 * The identity's push-filter root. libxmtp keeps a random one per user, shared between the user's
 * installations by device sync; Parley keeps a random one with the identity. Identities stored
 * before it have none, so theirs is derived from the installation key: stable without a write.
 */
export function hmacRootKeyOf(identity: IdentityRecord): Uint8Array {
  if (identity.hmacRootKey !== undefined) return identity.hmacRootKey;
  return hkdf(sha256, identity.installationPrivateKey, undefined, new TextEncoder().encode('parley hmac root key'), HMAC_ROOT_KEY_LENGTH);
}

/** Refuses a root libxmtp would refuse (store_hmac_key: StorageError::InvalidHmacLength). */
export function checkedHmacRootKey(key: Uint8Array): Uint8Array {
  if (key.length !== HMAC_ROOT_KEY_LENGTH) {
    throw new ParleyError('Client.BadInput', `An HMAC root key is ${HMAC_ROOT_KEY_LENGTH} bytes.`, { details: `got ${key.length}` });
  }
  return key;
}
