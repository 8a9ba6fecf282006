/**
 * The members of an inbox at one point of its identity-update log (libxmtp v1.10.0 xmtp_id
 * associations/state.rs). Immutable: rules produce a new state, never edit one.
 */
import type { InboxId } from './inboxId';
import type { Identifier, MemberIdentifier } from './model';
import { memberKey } from './model';

export interface Member {
  readonly identifier: MemberIdentifier;
  /** Who added it; undefined for the identifier that created the inbox. */
  readonly addedBy: MemberIdentifier | undefined;
  /** The adding update's client timestamp; undefined for the creator. */
  readonly clientTimestampNs: bigint | undefined;
  /** Chain of the smart-contract-wallet signature that added it, if any. */
  readonly addedOnChainId: bigint | undefined;
}

export interface AssociationState {
  readonly inboxId: InboxId;
  /** Keyed by `memberKey(identifier)`. */
  readonly members: ReadonlyMap<string, Member>;
  readonly recoveryIdentifier: Identifier;
  /** Hex of every signature already used by an applied update (replay guard). */
  readonly seenSignatures: ReadonlySet<string>;
  /** How many updates of the log have been applied. */
  readonly updateCount: number;
}

export interface AssociationStateDiff {
  readonly addedMembers: readonly MemberIdentifier[];
  readonly removedMembers: readonly MemberIdentifier[];
  /** The Ethereum addresses among them, as a node's address → inbox index (GetInboxIds) needs. */
  readonly addedAddresses: readonly string[];
  readonly removedAddresses: readonly string[];
}

export function getMember(state: AssociationState, id: MemberIdentifier): Member | undefined {
  return state.members.get(memberKey(id));
}

export function isMember(state: AssociationState, id: MemberIdentifier): boolean {
  return state.members.has(memberKey(id));
}

const U64_MAX = (1n << 64n) - 1n;

/** Members by the timestamp of the update that added them; the creator (none) last, as libxmtp `members()`. */
export function listMembers(state: AssociationState): Member[] {
  return [...state.members.values()].sort((a, b) => {
    const ta = a.clientTimestampNs ?? U64_MAX;
    const tb = b.clientTimestampNs ?? U64_MAX;
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  });
}

/** Installation public keys, in `listMembers` order. */
export function installationKeys(state: AssociationState): Uint8Array[] {
  return listMembers(state).flatMap((m) => (m.identifier.kind === 'installation' ? [m.identifier.publicKey] : []));
}

/** Addresses and passkeys, in `listMembers` order. */
export function memberIdentifiers(state: AssociationState): Identifier[] {
  return listMembers(state).flatMap((m) => (m.identifier.kind === 'installation' ? [] : [m.identifier]));
}

export function installationCount(state: AssociationState): number {
  let n = 0;
  for (const m of state.members.values()) if (m.identifier.kind === 'installation') n++;
  return n;
}

function addresses(ids: readonly MemberIdentifier[]): string[] {
  return ids.flatMap((id) => (id.kind === 'ethereum' ? [id.address] : []));
}

/** What changed between two states; from nothing, every member is new (libxmtp `as_diff`). */
export function diffAssociationStates(before: AssociationState | undefined, after: AssociationState): AssociationStateDiff {
  const addedMembers = [...after.members.entries()]
    .filter(([key]) => before === undefined || !before.members.has(key))
    .map(([, m]) => m.identifier);
  const removedMembers =
    before === undefined
      ? []
      : [...before.members.entries()].filter(([key]) => !after.members.has(key)).map(([, m]) => m.identifier);
  return {
    addedMembers,
    removedMembers,
    addedAddresses: addresses(addedMembers),
    removedAddresses: addresses(removedMembers),
  };
}
