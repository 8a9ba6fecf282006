import { privateKeyToAddress } from 'viem/accounts';
import type { Hex } from 'viem';
import { ParleyError } from '../errors';

/*
 * What a backup holds once decrypted (docs/backup-format.md §Contents): the identities' wallet
 * keys. Not the installation keys: an imported identity registers a new installation of the
 * same inbox, since two browsers running one installation would fork its MLS group state.
 */

export interface BackupIdentity {
  /** Lowercase 0x address; checked against the key on reading. */
  address: string;
  privateKey: Hex;
  label?: string;
  /** The inbox this identity had, for the importer to show; the importer recomputes it. */
  inboxId?: string;
  createdAt?: number;
}

export interface BackupContents {
  identities: BackupIdentity[];
  /** Which identity was active when the backup was made (its address). */
  activeAddress?: string;
}

export const MAX_BACKUP_IDENTITIES = 256;

export function contentsToJson(contents: BackupContents): Uint8Array {
  validateContents(contents, (details) => new ParleyError('Backup.BadInput', 'Nothing usable to back up.', { details }));
  return new TextEncoder().encode(JSON.stringify({ identities: contents.identities, ...(contents.activeAddress ? { activeAddress: contents.activeAddress } : {}) }));
}

/** After the AEAD passed: anything odd here is a file written by something other than Parley. */
export function contentsFromJson(bytes: Uint8Array): BackupContents {
  const bad = (details: string) => new ParleyError('Backup.Tampered', 'The backup’s contents are not what Parley writes.', { details });
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ParleyError('Backup.Tampered', 'The backup’s contents are not JSON.', { cause });
  }
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const v = value as Record<string, unknown>;
  const identities = v['identities'];
  if (!Array.isArray(identities)) throw bad('no identities');
  const contents: BackupContents = {
    identities: identities.map((raw: unknown, i) => {
      if (typeof raw !== 'object' || raw === null) throw bad(`identity ${i} is not an object`);
      const r = raw as Record<string, unknown>;
      const identity: BackupIdentity = { address: r['address'] as string, privateKey: r['privateKey'] as Hex };
      if (typeof r['label'] === 'string') identity.label = r['label'];
      if (typeof r['inboxId'] === 'string') identity.inboxId = r['inboxId'];
      if (typeof r['createdAt'] === 'number') identity.createdAt = r['createdAt'];
      return identity;
    }),
  };
  if (typeof v['activeAddress'] === 'string') contents.activeAddress = v['activeAddress'];
  validateContents(contents, bad);
  return contents;
}

function validateContents(contents: BackupContents, fail: (details: string) => ParleyError): void {
  const { identities } = contents;
  if (identities.length === 0) throw fail('no identity');
  if (identities.length > MAX_BACKUP_IDENTITIES) throw fail(`${identities.length} identities, at most ${MAX_BACKUP_IDENTITIES}`);
  const seen = new Set<string>();
  identities.forEach((identity, i) => {
    if (typeof identity.privateKey !== 'string' || !/^0x[0-9a-f]{64}$/.test(identity.privateKey)) throw fail(`identity ${i}: the key is not 32 lowercase hex bytes`);
    let address: string;
    try {
      address = privateKeyToAddress(identity.privateKey).toLowerCase();
    } catch (cause) {
      throw fail(`identity ${i}: not a secp256k1 key (${String(cause)})`);
    }
    if (identity.address !== address) throw fail(`identity ${i}: the address is not the key's`);
    if (seen.has(address)) throw fail(`identity ${i}: ${address} twice`);
    seen.add(address);
  });
  if (contents.activeAddress !== undefined && !seen.has(contents.activeAddress)) throw fail('the active address is not among the identities');
}
