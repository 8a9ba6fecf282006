import { hkdf } from '@noble/hashes/hkdf.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';

/*
 * The backup key (docs/backup-format.md §Key). scrypt (RFC 7914), its cost written in the
 * file's header, turns the passphrase into a master key; HKDF-SHA256 splits that into the
 * XChaCha20-Poly1305 key and a 16-byte key check. The check is what tells a wrong passphrase
 * from a changed file: both make the AEAD fail, but only a wrong passphrase changes the check.
 */

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt figure for password storage: N=2^17, r=8, p=1 (128 MiB, about a second). */
export const DEFAULT_BACKUP_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** Backups leave the machine and can be attacked offline for ever: a floor on the passphrase. */
export const MIN_PASSPHRASE_LENGTH = 8;

export interface BackupKeys {
  encryptionKey: Uint8Array;
  keyCheck: Uint8Array;
}

export const KEY_CHECK_BYTES = 16;

export function checkPassphrase(passphrase: string): void {
  if ([...passphrase.normalize('NFKC')].length < MIN_PASSPHRASE_LENGTH) {
    throw new ParleyError('Backup.BadInput', `A backup passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.`);
  }
}

/**
 * The bounds keep a made-up header from asking for gigabytes of memory or hours of work before
 * the key check can fail. `fail` says which error a bad cost is: bad input when writing, a
 * changed file when reading.
 */
export function checkScryptCost(cost: ScryptCost, fail: (details: string) => ParleyError): void {
  const { N, r, p } = cost;
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0) throw fail(`N=${N}: a power of two from 2^10 to 2^20`);
  if (!Number.isInteger(r) || r < 1 || r > 16) throw fail(`r=${r}: 1 to 16`);
  if (!Number.isInteger(p) || p < 1 || p > 4) throw fail(`p=${p}: 1 to 4`);
  if (128 * N * r > 2 ** 28) throw fail('more than 256 MiB of memory');
}

/** NFKC first, so that one passphrase typed on two keyboards gives one key. */
export async function deriveBackupKeys(
  passphrase: string,
  salt: Uint8Array,
  cost: ScryptCost,
  onProgress?: (fraction: number) => void,
): Promise<BackupKeys> {
  const master = await scryptAsync(utf8ToBytes(passphrase.normalize('NFKC')), salt, {
    ...cost,
    dkLen: 32,
    maxmem: 2 ** 28 + 2 ** 20,
    ...(onProgress ? { onProgress } : {}),
  });
  try {
    return {
      encryptionKey: hkdf(sha256, master, undefined, utf8ToBytes('parley backup v1 encryption key'), 32),
      keyCheck: hkdf(sha256, master, undefined, utf8ToBytes('parley backup v1 key check'), KEY_CHECK_BYTES),
    };
  } finally {
    master.fill(0);
  }
}
