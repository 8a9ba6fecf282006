import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** libxmtp xmtp_configuration HMAC_SALT. */
const HMAC_SALT = new TextEncoder().encode('libXMTP HKDF salt!');
const SECONDS_IN_30_DAYS = 30 * 24 * 60 * 60;

/** libxmtp utils/mod.rs hmac_epoch: the 30-day period the key belongs to. */
export function hmacEpoch(now: Date): bigint {
  return BigInt(Math.floor(now.getTime() / 1000 / SECONDS_IN_30_DAYS));
}

/**
 * The push-filter key of one group for one 30-day period (libxmtp mls_sync.rs hmac_keys):
 * HKDF-SHA256(salt, ikm = user key ‖ group id, info = group id ‖ epoch as i64 LE) → 42 bytes.
 * Receivers never check it; it lets a push server drop a user's own messages.
 */
export function senderHmacKey(userKey: Uint8Array, groupId: Uint8Array, epoch: bigint): Uint8Array {
  const ikm = new Uint8Array(userKey.length + groupId.length);
  ikm.set(userKey);
  ikm.set(groupId, userKey.length);
  const info = new Uint8Array(groupId.length + 8);
  info.set(groupId);
  new DataView(info.buffer).setBigInt64(groupId.length, epoch, true);
  return hkdf(sha256, ikm, HMAC_SALT, info, 42);
}

/** SendGroupMessages' sender_hmac: HMAC-SHA256 of the payload under the period's key. */
export function senderHmac(key: Uint8Array, payload: Uint8Array): Uint8Array {
  return hmac(sha256, key, payload);
}
