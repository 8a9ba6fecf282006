import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { recoverMessageAddress } from 'viem';
import { ParleyError } from '../errors';

// secp256k1 group order.
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

function badSignature(details: string, cause?: unknown): ParleyError {
  return new ParleyError('Identity.BadSignature', 'The wallet signature does not verify.', { details, cause });
}

function bigintFrom(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

function bytes32(value: bigint): Uint8Array {
  return hexToBytes(value.toString(16).padStart(64, '0'));
}

/**
 * y-parity from the recovery byte: 0/1, 27/28, or an EIP-155 v (35 and up), as alloy's
 * `normalize_v` reads it; anything else is refused.
 */
function parityOf(v: number): 0 | 1 | undefined {
  if (v === 0 || v === 27) return 0;
  if (v === 1 || v === 28) return 1;
  if (v >= 35) return ((v - 35) % 2) as 0 | 1;
  return undefined;
}

export interface RecoveredErc191 {
  /** Lowercase 0x address. */
  readonly address: string;
  /** r ‖ low-s ‖ the original v byte: what libxmtp stores to refuse replays. */
  readonly normalizedBytes: Uint8Array;
}

/**
 * Recover the EIP-191 (personal_sign) signer of `text`, as libxmtp v1.10.0 does
 * (verified_signature.rs `from_recoverable_ecdsa`, signature.rs `to_lower_s`): exactly 65 bytes,
 * r and s in [1, n), s folded to the low half *without* flipping the parity (so a high-s
 * signature recovers some other address), then ecrecover.
 */
export async function recoverErc191Signer(text: string, signature: Uint8Array): Promise<RecoveredErc191> {
  if (signature.length !== 65) throw badSignature(`expected 65 bytes, got ${signature.length}`);
  const r = bigintFrom(signature.subarray(0, 32));
  let s = bigintFrom(signature.subarray(32, 64));
  const v = signature[64] as number;
  if (r === 0n || r >= N || s === 0n || s >= N) throw badSignature('r or s out of range');
  const parity = parityOf(v);
  if (parity === undefined) throw badSignature(`invalid recovery byte ${v}`);
  if (s > HALF_N) s = N - s;
  const normalizedBytes = new Uint8Array(65);
  normalizedBytes.set(bytes32(r), 0);
  normalizedBytes.set(bytes32(s), 32);
  normalizedBytes[64] = v;
  const forRecovery = `0x${bytesToHex(normalizedBytes.subarray(0, 64))}${parity === 0 ? '1b' : '1c'}` as const;
  let address: string;
  try {
    address = await recoverMessageAddress({ message: text, signature: forRecovery });
  } catch (e) {
    throw badSignature('no public key recovers from this signature', e);
  }
  return { address: address.toLowerCase(), normalizedBytes };
}
