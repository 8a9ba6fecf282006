import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';

export type InboxId = string;

const U64_MAX = (1n << 64n) - 1n;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** True for `0x` + 40 hex digits, any case (libxmtp member.rs `is_valid_address`). */
export function isEthereumAddress(address: string): boolean {
  return ADDRESS.test(address);
}

/**
 * XMTP inbox id: lowercase hex sha256(lowercase 0x-address ‖ decimal nonce).
 * libxmtp: xmtp_id associations/member.rs `Identifier::inbox_id`; the SDKs use nonce 1.
 */
export function inboxIdFor(address: string, nonce: bigint = 1n): InboxId {
  if (!isEthereumAddress(address)) {
    throw new ParleyError('Identity.BadInput', 'Not an Ethereum address.', {
      details: `expected 0x and 40 hex digits, got ${JSON.stringify(address.slice(0, 64))}`,
    });
  }
  return inboxIdForText(address.toLowerCase(), nonce);
}

/**
 * The hash as libxmtp computes it over the identifier exactly as written (no lowercasing):
 * what an update's CreateInbox must match. Passkeys hash their hex key.
 */
export function inboxIdForText(identifier: string, nonce: bigint): InboxId {
  if (nonce < 0n || nonce > U64_MAX) {
    throw new ParleyError('Identity.BadInput', 'The inbox nonce must be a 64-bit unsigned integer.', {
      details: `nonce ${nonce}`,
    });
  }
  return bytesToHex(sha256(utf8ToBytes(`${identifier}${nonce.toString(10)}`)));
}
