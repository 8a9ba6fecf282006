import { randomBytes } from '@noble/ciphers/utils.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../core/errors';

/** scrypt (RFC 7914) cost parameters. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's password-storage recommendation for scrypt: N=2^17, r=8, p=1 (about 128 MiB, ~1 s here). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** How a 32-byte key was derived from a passphrase; stored next to what the key protects. */
export interface PassphraseKdf extends ScryptParams {
  name: 'scrypt';
  salt: Uint8Array;
}

const SALT_BYTES = 16;

/** A fresh salt with the given (or default) cost. */
export function newPassphraseKdf(params: ScryptParams = DEFAULT_SCRYPT_PARAMS): PassphraseKdf {
  const kdf: PassphraseKdf = { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: randomBytes(SALT_BYTES) };
  checkParams(kdf, (details) => new ParleyError('Client.BadInput', 'Unusable scrypt parameters.', { details }));
  return kdf;
}

export async function keyFromPassphrase(passphrase: string, kdf: PassphraseKdf): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new ParleyError('Client.BadInput', 'An empty passphrase protects nothing.');
  return scryptAsync(passphrase, kdf.salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32, maxmem: 2 ** 30 });
}

export function kdfToJson(kdf: PassphraseKdf): { name: 'scrypt'; N: number; r: number; p: number; salt: string } {
  return { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: bytesToHex(kdf.salt) };
}

/**
 * Parses stored KDF parameters. The bounds keep a tampered file from asking for gigabytes of
 * memory or hours of work before the key check can fail.
 */
export function kdfFromJson(value: unknown, corrupt: (details: string) => ParleyError): PassphraseKdf {
  if (typeof value !== 'object' || value === null) throw corrupt('KDF parameters are not an object');
  const v = value as Record<string, unknown>;
  if (v['name'] !== 'scrypt') throw corrupt('unknown KDF');
  const { N, r, p, salt } = v;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') throw corrupt('scrypt parameters are not numbers');
  if (typeof salt !== 'string' || !/^([0-9a-f]{2}){16,64}$/.test(salt)) throw corrupt('scrypt salt is not 16 to 64 hex bytes');
  const kdf: PassphraseKdf = { name: 'scrypt', N, r, p, salt: hexToBytes(salt) };
  checkParams(kdf, corrupt);
  return kdf;
}

function checkParams(p: ScryptParams, fail: (details: string) => ParleyError): void {
  const powerOfTwo = Number.isInteger(p.N) && p.N >= 2 ** 10 && p.N <= 2 ** 22 && (p.N & (p.N - 1)) === 0;
  if (!powerOfTwo) throw fail(`N=${p.N}: a power of two from 2^10 to 2^22`);
  if (!Number.isInteger(p.r) || p.r < 1 || p.r > 32) throw fail(`r=${p.r}: 1 to 32`);
  if (!Number.isInteger(p.p) || p.p < 1 || p.p > 16) throw fail(`p=${p.p}: 1 to 16`);
  if (128 * p.N * p.r > 2 ** 30) throw fail('more than 1 GiB of memory');
}
