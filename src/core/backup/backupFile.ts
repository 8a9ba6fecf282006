import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';
import { containerPrefix, joinContainer, splitContainer } from './backupContainer';
import type { BackupContents } from './backupContents';
import { contentsFromJson, contentsToJson } from './backupContents';
import type { ScryptCost } from './backupKey';
import { checkPassphrase, checkScryptCost, DEFAULT_BACKUP_SCRYPT, deriveBackupKeys, KEY_CHECK_BYTES } from './backupKey';

/*
 * Sealing and opening a backup file (docs/backup-format.md). The header is JSON, in clear and
 * bound to the ciphertext as associated data: the scrypt cost and salt, the cipher and nonce,
 * the key check.
 */

export const BACKUP_CIPHER = 'xchacha20-poly1305';
const SALT_BYTES = 16;
const NONCE_BYTES = 24;

export interface BackupProgress {
  /** 'key': deriving the key from the passphrase (nearly all the time); 'done': finished. */
  phase: 'key' | 'done';
  /** 0 to 1 within the phase. */
  fraction: number;
}

export interface SealBackupOptions {
  scrypt?: ScryptCost;
  onProgress?: (progress: BackupProgress) => void;
  now?: () => number;
}

export interface OpenBackupOptions {
  onProgress?: (progress: BackupProgress) => void;
}

interface BackupHeader {
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: typeof BACKUP_CIPHER;
  nonce: string;
  keyCheck: string;
  createdAt: number;
}

/** The backup file's bytes: Backup.BadInput for a short passphrase, an unusable cost or no identity. */
export async function sealBackup(contents: BackupContents, passphrase: string, options: SealBackupOptions = {}): Promise<Uint8Array> {
  checkPassphrase(passphrase);
  const cost = options.scrypt ?? DEFAULT_BACKUP_SCRYPT;
  checkScryptCost(cost, (details) => new ParleyError('Backup.BadInput', 'Unusable scrypt cost.', { details }));
  const plaintext = contentsToJson(contents);
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const keys = await deriveBackupKeys(passphrase, salt, cost, progressOf(options.onProgress));
  try {
    const header: BackupHeader = {
      kdf: { name: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: bytesToHex(salt) },
      cipher: BACKUP_CIPHER,
      nonce: bytesToHex(nonce),
      keyCheck: bytesToHex(keys.keyCheck),
      createdAt: (options.now ?? Date.now)(),
    };
    const headerBytes = new TextEncoder().encode(JSON.stringify(header));
    // Poly1305 adds 16 bytes; the prefix states the ciphertext's length, so it is known first.
    const associatedData = containerPrefix(headerBytes, plaintext.length + 16);
    const ciphertext = xchacha20poly1305(keys.encryptionKey, nonce, associatedData).encrypt(plaintext);
    options.onProgress?.({ phase: 'done', fraction: 1 });
    return joinContainer(associatedData, ciphertext);
  } finally {
    plaintext.fill(0);
    keys.encryptionKey.fill(0);
  }
}

/**
 * The backup's contents. Typed refusals, in the order they are checked: Backup.NotABackup,
 * Backup.UnsupportedVersion (a newer format), Backup.Truncated, Backup.Tampered (checksum,
 * header, AEAD or contents), Backup.WrongPassphrase (the key check).
 */
export async function openBackup(file: Uint8Array, passphrase: string, options: OpenBackupOptions = {}): Promise<BackupContents> {
  const container = splitContainer(file);
  const header = parseHeader(container.header);
  const keys = await deriveBackupKeys(passphrase, header.salt, header.cost, progressOf(options.onProgress));
  try {
    if (!keys.keyCheck.every((b, i) => b === header.keyCheck[i])) {
      throw new ParleyError('Backup.WrongPassphrase', 'Wrong passphrase for this backup.');
    }
    let plaintext: Uint8Array;
    try {
      plaintext = xchacha20poly1305(keys.encryptionKey, header.nonce, container.associatedData).decrypt(container.ciphertext);
    } catch (cause) {
      throw new ParleyError('Backup.Tampered', 'The backup file was changed.', { details: 'authentication failed', cause });
    }
    try {
      const contents = contentsFromJson(plaintext);
      options.onProgress?.({ phase: 'done', fraction: 1 });
      return contents;
    } finally {
      plaintext.fill(0);
    }
  } finally {
    keys.encryptionKey.fill(0);
  }
}

function parseHeader(bytes: Uint8Array): { cost: { N: number; r: number; p: number }; salt: Uint8Array; nonce: Uint8Array; keyCheck: Uint8Array } {
  const bad = (details: string) => new ParleyError('Backup.Tampered', 'The backup header is not what Parley writes.', { details });
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const h = value as Record<string, unknown>;
  const kdf = h['kdf'] as Record<string, unknown> | undefined;
  if (typeof kdf !== 'object' || kdf === null || kdf['name'] !== 'scrypt') throw bad('unknown KDF');
  const { N, r, p } = kdf;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') throw bad('scrypt cost is not numbers');
  const cost = { N, r, p };
  checkScryptCost(cost, bad);
  if (h['cipher'] !== BACKUP_CIPHER) throw bad('unknown cipher');
  return {
    cost,
    salt: hexField(kdf['salt'], SALT_BYTES, 'salt', bad),
    nonce: hexField(h['nonce'], NONCE_BYTES, 'nonce', bad),
    keyCheck: hexField(h['keyCheck'], KEY_CHECK_BYTES, 'keyCheck', bad),
  };
}

function hexField(value: unknown, length: number, name: string, bad: (details: string) => ParleyError): Uint8Array {
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${length * 2}}$`).test(value)) throw bad(`${name} is not ${length} hex bytes`);
  return hexToBytes(value);
}

function progressOf(onProgress: ((p: BackupProgress) => void) | undefined): ((fraction: number) => void) | undefined {
  return onProgress ? (fraction) => onProgress({ phase: 'key', fraction }) : undefined;
}
