/**
 * The association rules: how a verified identity update changes an inbox's state, as libxmtp
 * v1.10.0 decides it (xmtp_id associations/association_log.rs), plus the limits the XMTP network
 * and SDK add on top (see AssociationPolicy). Pure and synchronous: signatures are checked
 * before (verifyIdentityUpdate.ts), so a VerifiedSignature already names its signer.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';
import type { AssociationState, Member } from './associationState';
import { installationCount } from './associationState';
import { inboxIdForText, isEthereumAddress } from './inboxId';
import type {
  Identifier,
  MemberIdentifier,
  MemberKind,
  SignatureKind,
  UnsignedAddAssociation,
  UnsignedChangeRecoveryAddress,
  UnsignedCreateInbox,
  UnsignedRevokeAssociation,
  VerifiedSignature,
} from './model';
import { identifierText, memberKey, sameMember } from './model';

export type VerifiedAction =
  | (UnsignedCreateInbox & { readonly initialSignature: VerifiedSignature })
  | (UnsignedAddAssociation & {
      readonly existingMemberSignature: VerifiedSignature;
      readonly newMemberSignature: VerifiedSignature;
    })
  | (UnsignedRevokeAssociation & { readonly recoverySignature: VerifiedSignature })
  | (UnsignedChangeRecoveryAddress & { readonly recoverySignature: VerifiedSignature });

export interface VerifiedIdentityUpdate {
  readonly inboxId: string;
  readonly clientTimestampNs: bigint;
  readonly actions: readonly VerifiedAction[];
}

/**
 * Checks beyond libxmtp's association rules. For a *new* update (what a node is asked to
 * publish, or a client is about to send) Parley applies the network's limits; when replaying a
 * log the network already accepted, it must not, or it would disagree with libxmtp about
 * inboxes that predate the limits.
 */
export interface AssociationPolicy {
  /** libxmtp refuses to register an 11th installation (xmtp_mls identity.rs); not an association rule. */
  readonly maxInstallations: number | undefined;
  /** xmtp-node-go refuses to append to a log of 256 updates (mls/store/store.go). */
  readonly maxUpdates: number | undefined;
  /** libxmtp would silently re-add (overwrite) a present member; Parley refuses it. */
  readonly refuseExistingMember: boolean;
}

export const NEW_UPDATE_POLICY: AssociationPolicy = { maxInstallations: 10, maxUpdates: 256, refuseExistingMember: true };
export const LOG_REPLAY_POLICY: AssociationPolicy = {
  maxInstallations: undefined,
  maxUpdates: undefined,
  refuseExistingMember: false,
};

/** A state under construction: copies of the maps, so the input state stays untouched. */
interface Draft {
  inboxId: string;
  members: Map<string, Member>;
  recoveryIdentifier: Identifier;
}

function describe(id: MemberIdentifier): string {
  return `${id.kind} ${identifierText(id)}`;
}

/** Which signature kinds may speak for which member kind (association_log.rs `allowed_signature_for_kind`). */
function checkSignatureKind(role: MemberKind, sig: VerifiedSignature): void {
  const allowed: Record<MemberKind, readonly SignatureKind[]> = {
    ethereum: ['erc191', 'erc1271', 'legacyDelegated'],
    installation: ['installationKey'],
    passkey: ['p256'],
  };
  if (!allowed[role].includes(sig.kind)) {
    throw new ParleyError('Identity.WrongSignerKind', `A ${sig.kind} signature cannot speak for a ${role} member.`, {
      details: `signer ${describe(sig.signer)}`,
    });
  }
}

/**
 * The signature must come from the kind of member the action needs (e.g. a wallet, not an
 * installation). libxmtp folds this into its signer-identity checks (MissingExistingMember,
 * NewMemberIdSignatureMismatch); Parley reports it under its own code first.
 */
function requireSignerKind(required: MemberIdentifier, sig: VerifiedSignature, what: string): void {
  if (sig.signer.kind !== required.kind) {
    throw new ParleyError('Identity.WrongSignerKind', `Only a ${required.kind} signature can ${what}.`, {
      details: `needed ${describe(required)}, got a ${sig.kind} signature by ${describe(sig.signer)}`,
    });
  }
}

/** A smart-contract wallet stays bound to the chain it was added on (`verify_chain_id_matches`). */
function checkChainId(member: Member | undefined, sig: VerifiedSignature): void {
  if (member !== undefined && member.addedOnChainId !== sig.chainId) {
    throw new ParleyError('Identity.ChainIdMismatch', 'The member signed on another chain than it was added on.', {
      details: `added on ${member.addedOnChainId ?? 'none'}, signed on ${sig.chainId ?? 'none'}`,
    });
  }
}

function checkNotReplayed(seen: ReadonlySet<string>, sigs: readonly VerifiedSignature[]): void {
  for (const sig of sigs) {
    if (seen.has(bytesToHex(sig.rawBytes))) {
      throw new ParleyError('Identity.Replay', 'A signature was already used by an earlier update.', {
        details: `signer ${describe(sig.signer)}`,
      });
    }
  }
}

function inboxIdOf(identifier: Identifier, nonce: bigint): string {
  // libxmtp checks only the shape (0x + 40 hex), not the case, and hashes the text as given.
  if (identifier.kind === 'ethereum' && !isEthereumAddress(identifier.address)) {
    throw new ParleyError('Identity.BadInput', 'Not an Ethereum address.', {
      details: JSON.stringify(identifier.address.slice(0, 64)),
    });
  }
  return inboxIdForText(identifierText(identifier), nonce);
}

function requireRecoverySigner(draft: Draft, sig: VerifiedSignature, what: string): void {
  checkChainId(draft.members.get(memberKey(sig.signer)), sig);
  if (sig.kind === 'legacyDelegated') {
    throw new ParleyError('Identity.WrongSignerKind', `A legacy delegated signature cannot ${what}.`, {
      details: `signer ${describe(sig.signer)}`,
    });
  }
  requireSignerKind(draft.recoveryIdentifier, sig, what);
  if (!sameMember(sig.signer, draft.recoveryIdentifier)) {
    throw new ParleyError('Identity.NotRecoveryIdentifier', `Only the recovery identifier can ${what}.`, {
      details: `signed by ${describe(sig.signer)}, recovery is ${describe(draft.recoveryIdentifier)}`,
    });
  }
}

function createInbox(draft: Draft | undefined, action: Extract<VerifiedAction, { kind: 'createInbox' }>): Draft {
  if (draft !== undefined) {
    throw new ParleyError('Identity.InboxExists', 'CreateInbox must be the first action of an inbox.', {
      details: `inbox ${draft.inboxId} already exists`,
    });
  }
  const sig = action.initialSignature;
  requireSignerKind(action.identifier, sig, 'create this inbox');
  if (!sameMember(sig.signer, action.identifier)) {
    throw new ParleyError('Identity.SignerMismatch', 'The inbox must be created by its owner’s signature.', {
      details: `owner ${describe(action.identifier)}, signed by ${describe(sig.signer)}`,
    });
  }
  checkSignatureKind(action.identifier.kind, sig);
  if (sig.kind === 'legacyDelegated' && action.nonce !== 0n) {
    throw new ParleyError('Identity.LegacySignatureReuse', 'A legacy key may only create the nonce-0 inbox.', {
      details: `nonce ${action.nonce}`,
    });
  }
  const inboxId = inboxIdOf(action.identifier, action.nonce);
  const creator: Member = {
    identifier: action.identifier,
    addedBy: undefined,
    clientTimestampNs: undefined,
    addedOnChainId: sig.chainId,
  };
  return { inboxId, members: new Map([[memberKey(action.identifier), creator]]), recoveryIdentifier: action.identifier };
}

function notCreated(kind: string): ParleyError {
  return new ParleyError('Identity.InboxNotCreated', `${kind} needs an inbox; CreateInbox comes first.`);
}

function addAssociation(
  draft: Draft | undefined,
  seen: ReadonlySet<string>,
  action: Extract<VerifiedAction, { kind: 'addAssociation' }>,
  clientTimestampNs: bigint,
  policy: AssociationPolicy,
): Draft {
  if (draft === undefined) throw notCreated('AddAssociation');
  const existingSig = action.existingMemberSignature;
  const newSig = action.newMemberSignature;
  checkNotReplayed(seen, [existingSig, newSig]);

  requireSignerKind(action.newMember, newSig, 'sign for the new member');
  if (!sameMember(newSig.signer, action.newMember)) {
    throw new ParleyError('Identity.SignerMismatch', 'The new member must sign its own addition.', {
      details: `new member ${describe(action.newMember)}, signed by ${describe(newSig.signer)}`,
    });
  }
  if (sameMember(newSig.signer, existingSig.signer)) {
    throw new ParleyError('Identity.CannotAddSelf', 'A member cannot add itself.', { details: describe(newSig.signer) });
  }
  const existingSigner = existingSig.signer;
  const legacy = newSig.kind === 'legacyDelegated' || existingSig.kind === 'legacyDelegated';
  // Legacy (V2) keys may only act on the inbox their wallet gets with nonce 0.
  if (legacy && existingSigner.kind !== 'installation' && draft.inboxId !== inboxIdOf(existingSigner, 0n)) {
    throw new ParleyError('Identity.LegacySignatureReuse', 'A legacy key may only act on its nonce-0 inbox.', {
      details: `inbox ${draft.inboxId}`,
    });
  }
  checkSignatureKind(action.newMember.kind, newSig);

  const existingMember = draft.members.get(memberKey(existingSigner));
  checkChainId(existingMember, existingSig);
  let addedBy: MemberIdentifier;
  if (existingMember !== undefined) {
    addedBy = existingMember.identifier;
  } else {
    // Not a member: only the recovery identifier (which may have been revoked as a member) may add.
    if (!sameMember(existingSigner, draft.recoveryIdentifier)) {
      throw new ParleyError('Identity.UnknownMember', 'The existing-member signature is not by a member of this inbox.', {
        details: `signed by ${describe(existingSigner)}`,
      });
    }
    if (existingSig.kind === 'legacyDelegated') {
      throw new ParleyError('Identity.LegacySignatureReuse', 'The recovery identifier must use a real wallet signature.');
    }
    addedBy = draft.recoveryIdentifier;
  }
  checkSignatureKind(addedBy.kind, existingSig);
  // The only forbidden pairing (association_log.rs `allowed_association`).
  if (existingSigner.kind === 'installation' && action.newMember.kind === 'installation') {
    throw new ParleyError('Identity.NotAllowed', 'An installation cannot add another installation.', {
      details: `${describe(existingSigner)} tried to add ${describe(action.newMember)}`,
    });
  }
  if (policy.refuseExistingMember && draft.members.has(memberKey(newSig.signer))) {
    throw new ParleyError('Identity.MemberExists', 'That member already belongs to this inbox.', {
      details: describe(newSig.signer),
    });
  }
  const members = new Map(draft.members);
  members.set(memberKey(newSig.signer), {
    identifier: newSig.signer,
    addedBy,
    clientTimestampNs,
    addedOnChainId: newSig.chainId,
  });
  return { ...draft, members };
}

function revokeAssociation(
  draft: Draft | undefined,
  seen: ReadonlySet<string>,
  action: Extract<VerifiedAction, { kind: 'revokeAssociation' }>,
): Draft {
  if (draft === undefined) throw notCreated('RevokeAssociation');
  checkNotReplayed(seen, [action.recoverySignature]);
  requireRecoverySigner(draft, action.recoverySignature, 'revoke a member');
  const revokedKey = memberKey(action.revokedMember);
  const members = new Map(draft.members);
  members.delete(revokedKey);
  // Installations the revoked member added go with it; addresses it added stay (libxmtp does the same).
  for (const [key, m] of draft.members) {
    if (m.identifier.kind === 'installation' && m.addedBy !== undefined && memberKey(m.addedBy) === revokedKey) {
      members.delete(key);
    }
  }
  return { ...draft, members };
}

function changeRecoveryAddress(
  draft: Draft | undefined,
  seen: ReadonlySet<string>,
  action: Extract<VerifiedAction, { kind: 'changeRecoveryAddress' }>,
): Draft {
  if (draft === undefined) throw notCreated('ChangeRecoveryAddress');
  checkNotReplayed(seen, [action.recoverySignature]);
  requireRecoverySigner(draft, action.recoverySignature, 'change the recovery identifier');
  return { ...draft, recoveryIdentifier: action.newRecoveryIdentifier };
}

function signaturesOf(action: VerifiedAction): VerifiedSignature[] {
  switch (action.kind) {
    case 'createInbox':
      return [action.initialSignature];
    case 'addAssociation':
      return [action.existingMemberSignature, action.newMemberSignature];
    case 'revokeAssociation':
    case 'changeRecoveryAddress':
      return [action.recoverySignature];
  }
}

/**
 * Apply a verified update to a state (or to nothing, for the inbox's first update) and return
 * the new state; any broken rule throws a ParleyError with its own Identity.* code.
 */
export function applyVerifiedUpdate(
  state: AssociationState | undefined,
  update: VerifiedIdentityUpdate,
  policy: AssociationPolicy = NEW_UPDATE_POLICY,
): AssociationState {
  const updateCount = state?.updateCount ?? 0;
  if (policy.maxUpdates !== undefined && updateCount >= policy.maxUpdates) {
    throw new ParleyError('Identity.TooManyUpdates', `An inbox can hold at most ${policy.maxUpdates} identity updates.`, {
      details: `inbox ${update.inboxId} has ${updateCount}`,
    });
  }
  const seen = state?.seenSignatures ?? new Set<string>();
  let draft: Draft | undefined = state && {
    inboxId: state.inboxId,
    members: new Map(state.members),
    recoveryIdentifier: state.recoveryIdentifier,
  };
  for (const action of update.actions) {
    switch (action.kind) {
      case 'createInbox':
        draft = createInbox(draft, action);
        break;
      case 'addAssociation':
        draft = addAssociation(draft, seen, action, update.clientTimestampNs, policy);
        break;
      case 'revokeAssociation':
        draft = revokeAssociation(draft, seen, action);
        break;
      case 'changeRecoveryAddress':
        draft = changeRecoveryAddress(draft, seen, action);
        break;
    }
  }
  if (draft === undefined) throw notCreated('An update without CreateInbox');
  if (draft.inboxId !== update.inboxId) {
    throw new ParleyError('Identity.InboxIdMismatch', 'The update names another inbox than its actions act on.', {
      details: `update says ${update.inboxId}, inbox is ${draft.inboxId}`,
    });
  }
  const before = state === undefined ? 0 : installationCount(state);
  const after = [...draft.members.values()].filter((m) => m.identifier.kind === 'installation').length;
  if (policy.maxInstallations !== undefined && after > policy.maxInstallations && after > before) {
    throw new ParleyError('Identity.TooManyInstallations', `An inbox can hold at most ${policy.maxInstallations} installations.`, {
      details: `inbox ${draft.inboxId} would have ${after}`,
    });
  }
  // Signatures become unusable only once the whole update is in (one signature may serve two actions).
  const seenSignatures = new Set(seen);
  for (const action of update.actions) for (const sig of signaturesOf(action)) seenSignatures.add(bytesToHex(sig.rawBytes));
  return Object.freeze({
    inboxId: draft.inboxId,
    members: draft.members,
    recoveryIdentifier: draft.recoveryIdentifier,
    seenSignatures,
    updateCount: updateCount + 1,
  });
}
