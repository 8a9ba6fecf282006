import { ParleyError } from '../errors';
import { isEthereumAddress } from '../identity/inboxId';
import { isInboxId } from '../mls/credential';
import type { IdentityDirectory } from './identityDirectory';

/** An identifier is a 0x address or an inbox id; anything else is Client.BadInput. */
export function identifierKind(identifier: string): 'address' | 'inboxId' {
  if (isEthereumAddress(identifier)) return 'address';
  if (isInboxId(identifier)) return 'inboxId';
  throw new ParleyError('Client.BadInput', 'An identifier is a 0x address or a 64-hex inbox id.', {
    details: JSON.stringify(identifier.slice(0, 80)),
  });
}

/** Inbox ids for addresses (GetInboxIds) and inbox ids (as they are); an address without an inbox is Client.NoInbox. */
export async function resolveInboxIds(directory: IdentityDirectory, identifiers: readonly string[]): Promise<string[]> {
  const addresses = identifiers.filter((id) => identifierKind(id) === 'address');
  const found = await directory.inboxIdsFor(addresses);
  return identifiers.map((id) => {
    if (identifierKind(id) === 'inboxId') return id;
    const inboxId = found.get(id.toLowerCase());
    if (inboxId === undefined) throw new ParleyError('Client.NoInbox', 'The address has no XMTP inbox.', { details: id });
    return inboxId;
  });
}
