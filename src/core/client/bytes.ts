import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Lowercase or uppercase hex without prefix; anything else is Client.BadInput. */
export function fromHex(hex: string, what = 'value'): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ParleyError('Client.BadInput', `The ${what} is not hex.`, { details: hex.slice(0, 80) });
  }
  return hexToBytes(hex.toLowerCase());
}

export function nsFromDate(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}
