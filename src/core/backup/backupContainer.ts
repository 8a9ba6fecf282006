import { sha256 } from '@noble/hashes/sha2.js';
import { ParleyError } from '../errors';

/*
 * The outer layout of a backup file (docs/backup-format.md §Layout), big-endian:
 *   magic "PARLEYBK" (8) ‖ version u8 ‖ header length u16 ‖ ciphertext length u32
 *   ‖ header (UTF-8 JSON) ‖ ciphertext ‖ SHA-256 of everything before it (32)
 * The lengths make a cut file a Backup.Truncated of its own; the unkeyed checksum makes a
 * changed byte Backup.Tampered before any key is derived (the AEAD, keyed, still decides).
 */

export const BACKUP_MAGIC = new TextEncoder().encode('PARLEYBK');
export const BACKUP_VERSION = 1;
export const PREFIX_BYTES = BACKUP_MAGIC.length + 1 + 2 + 4;
const CHECKSUM_BYTES = 32;
export const MAX_HEADER_BYTES = 4096;
/** u32 allows 4 GiB; a backup of identities and history stays far below this. */
export const MAX_CIPHERTEXT_BYTES = 512 * 1024 * 1024;

export interface BackupContainer {
  /** Magic, version, lengths and header: the AEAD's associated data. */
  associatedData: Uint8Array;
  header: Uint8Array;
  ciphertext: Uint8Array;
}

/** The prefix and header, before encryption: what the ciphertext is bound to. */
export function containerPrefix(header: Uint8Array, ciphertextLength: number): Uint8Array {
  if (header.length > MAX_HEADER_BYTES) throw new ParleyError('Backup.BadInput', 'The backup header is too large.');
  if (ciphertextLength > MAX_CIPHERTEXT_BYTES) throw new ParleyError('Backup.BadInput', 'The backup is too large.', { details: `${ciphertextLength} bytes` });
  const out = new Uint8Array(PREFIX_BYTES + header.length);
  out.set(BACKUP_MAGIC);
  const view = new DataView(out.buffer);
  view.setUint8(8, BACKUP_VERSION);
  view.setUint16(9, header.length);
  view.setUint32(11, ciphertextLength);
  out.set(header, PREFIX_BYTES);
  return out;
}

export function joinContainer(associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const body = new Uint8Array(associatedData.length + ciphertext.length + CHECKSUM_BYTES);
  body.set(associatedData);
  body.set(ciphertext, associatedData.length);
  body.set(sha256(body.subarray(0, associatedData.length + ciphertext.length)), associatedData.length + ciphertext.length);
  return body;
}

/** Splits a file, refusing anything that is not a whole, unchanged version-1 backup. */
export function splitContainer(file: Uint8Array): BackupContainer {
  const magicSeen = file.subarray(0, BACKUP_MAGIC.length);
  if (!magicSeen.every((b, i) => b === BACKUP_MAGIC[i])) {
    throw new ParleyError('Backup.NotABackup', 'This is not a Parley backup file.');
  }
  if (file.length < PREFIX_BYTES) throw truncated(file.length, PREFIX_BYTES + CHECKSUM_BYTES);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = view.getUint8(8);
  if (version > BACKUP_VERSION) {
    throw new ParleyError('Backup.UnsupportedVersion', 'This backup was made by a newer Parley: update Parley to import it.', {
      details: `format version ${version}, this Parley reads ${BACKUP_VERSION}`,
    });
  }
  if (version < 1) throw new ParleyError('Backup.NotABackup', 'This is not a Parley backup file.', { details: `format version ${version}` });
  const headerLength = view.getUint16(9);
  const ciphertextLength = view.getUint32(11);
  const expected = PREFIX_BYTES + headerLength + ciphertextLength + CHECKSUM_BYTES;
  if (file.length < expected) throw truncated(file.length, expected);
  if (file.length > expected) throw new ParleyError('Backup.Tampered', 'The backup file was changed.', { details: `${file.length - expected} bytes after its end` });
  const bodyEnd = expected - CHECKSUM_BYTES;
  const sum = sha256(file.subarray(0, bodyEnd));
  if (!sum.every((b, i) => b === file[bodyEnd + i])) throw new ParleyError('Backup.Tampered', 'The backup file was changed or damaged.', { details: 'checksum mismatch' });
  if (headerLength > MAX_HEADER_BYTES) throw new ParleyError('Backup.Tampered', 'The backup header is too large.', { details: `${headerLength} bytes` });
  return {
    associatedData: file.subarray(0, PREFIX_BYTES + headerLength),
    header: file.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength),
    ciphertext: file.subarray(PREFIX_BYTES + headerLength, bodyEnd),
  };
}

function truncated(length: number, expected: number): ParleyError {
  return new ParleyError('Backup.Truncated', 'The backup file is incomplete (cut short while copying or downloading?).', {
    details: `${length} of ${expected} bytes`,
  });
}
