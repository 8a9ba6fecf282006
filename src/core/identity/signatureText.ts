import { ParleyError } from '../errors';
import type { MemberKind, UnsignedAction, UnsignedIdentityUpdate } from './model';
import { identifierText } from './model';

// libxmtp xmtp_id associations/unsigned_actions.rs: HEADER and FOOTER.
const HEADER = 'XMTP : Authenticate to inbox';
const FOOTER = 'For more info: https://xmtp.org/signatures';

const ADD_PREFIX: Record<MemberKind, string> = {
  installation: 'Grant messaging access to app',
  ethereum: 'Link address to inbox',
  passkey: 'Link passkey to inbox',
};

const REVOKE_PREFIX: Record<MemberKind, string> = {
  installation: 'Revoke messaging access from app',
  ethereum: 'Unlink address from inbox',
  passkey: 'Unlink passkey from inbox',
};

const ID_LABEL: Record<MemberKind, string> = {
  installation: 'ID',
  ethereum: 'Address',
  passkey: 'Passkey',
};

function actionText(action: UnsignedAction): string {
  switch (action.kind) {
    case 'createInbox':
      return `- Create inbox\n  (Owner: ${identifierText(action.identifier)})`;
    case 'addAssociation': {
      const kind = action.newMember.kind;
      return `- ${ADD_PREFIX[kind]}\n  (${ID_LABEL[kind]}: ${identifierText(action.newMember)})`;
    }
    case 'revokeAssociation': {
      const kind = action.revokedMember.kind;
      return `- ${REVOKE_PREFIX[kind]}\n  (${ID_LABEL[kind]}: ${identifierText(action.revokedMember)})`;
    }
    case 'changeRecoveryAddress':
      // libxmtp labels the new recovery identifier "Address" even for a passkey.
      return `- Change inbox recovery address\n  (Address: ${identifierText(action.newRecoveryIdentifier)})`;
  }
}

const NS_PER_SECOND = 1_000_000_000n;

/**
 * RFC 3339 in whole seconds with `Z`, as chrono's `to_rfc3339_opts(Secs, true)` prints
 * `DateTime::from_timestamp_nanos(ns as i64)`: the u64 is read as i64 (so 2^63 and above are
 * before 1970) and floored to the second.
 */
export function signatureTimestamp(clientTimestampNs: bigint): string {
  if (clientTimestampNs < 0n || clientTimestampNs >= 1n << 64n) {
    throw new ParleyError('Identity.BadInput', 'The client timestamp must be a 64-bit unsigned integer.', {
      details: `client_timestamp_ns ${clientTimestampNs}`,
    });
  }
  const ns = BigInt.asIntN(64, clientTimestampNs);
  let seconds = ns / NS_PER_SECOND;
  if (ns < 0n && seconds * NS_PER_SECOND !== ns) seconds -= 1n;
  // i64 nanoseconds span 1677–2262, well inside Date's range and four-digit years.
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}Z`;
}

/**
 * The text every signature of an identity update covers, byte for byte as libxmtp v1.10.0
 * builds it (unsigned_actions.rs `UnsignedIdentityUpdate::signature_text`).
 */
export function identityUpdateSignatureText(update: UnsignedIdentityUpdate): string {
  const lines = update.actions.map(actionText).join('\n');
  return `${HEADER}\n\nInbox ID: ${update.inboxId}\nCurrent time: ${signatureTimestamp(update.clientTimestampNs)}\n\n${lines}\n\n${FOOTER}`;
}
