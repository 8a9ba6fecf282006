import { gcm } from '@noble/ciphers/aes.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../core/errors';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The two keys an encrypted store uses, both derived from its 32-byte master key (HKDF-SHA256,
 * RFC 5869) so that neither reveals the other: one seals records, one names them.
 */
export interface RecordKeys {
  readonly seal: Uint8Array;
  readonly name: Uint8Array;
}

export function deriveRecordKeys(masterKey: Uint8Array): RecordKeys {
  if (masterKey.length !== 32) throw new ParleyError('Client.BadInput', 'A store key is 32 bytes.', { details: `${masterKey.length} bytes` });
  return {
    seal: hkdf(sha256, masterKey, undefined, utf8ToBytes('parley agent store v1: record sealing'), 32),
    name: hkdf(sha256, masterKey, undefined, utf8ToBytes('parley agent store v1: record names'), 32),
  };
}

export function wipeRecordKeys(keys: RecordKeys): void {
  keys.seal.fill(0);
  keys.name.fill(0);
}

/**
 * AES-256-GCM with a fresh random 96-bit nonce per record (NIST SP 800-38D §8.2.2: fine below
 * 2^32 seals per key, far beyond one agent's store). Output: nonce ‖ ciphertext ‖ tag.
 */
export function sealRecord(keys: RecordKeys, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = gcm(keys.seal, nonce, associatedData).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce);
  out.set(sealed, NONCE_BYTES);
  return out;
}

/** The plaintext of a sealed record, or Agent.StoreCorrupt when it was not sealed under this key and associated data. */
export function openRecord(keys: RecordKeys, associatedData: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new ParleyError('Agent.StoreCorrupt', 'A sealed store record is truncated.', { details: `${sealed.length} bytes` });
  }
  try {
    return gcm(keys.seal, sealed.subarray(0, NONCE_BYTES), associatedData).decrypt(sealed.subarray(NONCE_BYTES));
  } catch (cause) {
    throw new ParleyError('Agent.StoreCorrupt', 'A store record does not authenticate (altered, or moved from another row).', { cause });
  }
}

/**
 * The stored name of an identifier: HMAC-SHA256 under the naming key, so that an encrypted store's
 * keys and indexes show no group, message or inbox id, yet equal ids still meet in an index.
 */
export function nameOf(keys: RecordKeys, domain: string, id: string): string {
  return bytesToHex(hmac(sha256, keys.name, utf8ToBytes(`${domain}\u0000${id}`)));
}
