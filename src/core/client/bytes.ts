import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Lowercase or uppercase hex without prefix; anything else is Client.BadInput. */
export function fromHex(hex: string, what = 'value'): Uint8Array {
  // noble validates while it decodes (odd length, any non-hex character, either case), so a
  // separate regex pass and a lowercased copy of the string are not needed.
  try {
    return hexToBytes(hex);
  } catch (cause) {
    throw new ParleyError('Client.BadInput', `The ${what} is not hex.`, { details: String(hex).slice(0, 80), cause });
  }
}

export function nsFromDate(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}
