import type { Extension } from 'ts-mls';
import { ParleyError } from '../errors';
import { bytesEqual } from './bytesEqual';
import { EXTENSION_IMMUTABLE_METADATA, EXTENSION_MUTABLE_METADATA, requireExtensionData } from './extensions';
import { decodeGroupMetadata, type DmMembers } from './extensionsGroupMetadata';
import { membershipOf } from './extensionsMembership';
import { decodeMutableMetadata, overlongAttribute, type GroupMutableMetadata } from './extensionsMutableMetadata';
import { permissionsOf } from './extensionsPermissions';
import type { Policy, PolicySet } from './policies';
import {
  assertAllowed,
  evaluateGroupChanges,
  type GroupChanges,
  type InboxRole,
  type PolicyDecision,
} from './policiesEvaluate';

/** A commit's effect on the group context, ready for the policies in force before it. */
export interface GroupContextChange {
  actor: InboxRole;
  changes: GroupChanges;
  /** The policies before the commit: a commit is judged by the rules it would replace. */
  policies: PolicySet;
  dmMembers?: DmMembers;
}

function invalid(shortMessage: string, details: string): ParleyError {
  return new ParleyError('Mls.InvalidGroupContextChange', shortMessage, { details });
}

function roleIn(metadata: GroupMutableMetadata, inboxId: string): InboxRole {
  return {
    inboxId,
    isAdmin: metadata.adminList.includes(inboxId),
    isSuperAdmin: metadata.superAdminList.includes(inboxId),
  };
}

function policyEqual<B extends string>(a: Policy<B>, b: Policy<B>): boolean {
  if ('base' in a) return 'base' in b && a.base === b.base;
  const [as, bs] = 'and' in a ? [a.and, 'and' in b ? b.and : undefined] : [a.any, 'any' in b ? b.any : undefined];
  return bs !== undefined && as.length === bs.length && as.every((p, i) => policyEqual(p, bs[i] as Policy<B>));
}

/** PolicySet equality as libxmtp's PartialEq sees it (the metadata map is unordered). */
export function policySetsEqual(a: PolicySet, b: PolicySet): boolean {
  if (a.updateMetadata.size !== b.updateMetadata.size) return false;
  for (const [key, policy] of a.updateMetadata) {
    const other = b.updateMetadata.get(key);
    if (other === undefined || !policyEqual(policy, other)) return false;
  }
  return (
    policyEqual(a.addMember, b.addMember) &&
    policyEqual(a.removeMember, b.removeMember) &&
    policyEqual(a.addAdmin, b.addAdmin) &&
    policyEqual(a.removeAdmin, b.removeAdmin) &&
    policyEqual(a.updatePermissions, b.updatePermissions)
  );
}

function addedTo(before: readonly string[], after: readonly string[]): string[] {
  return after.filter((id) => !before.includes(id));
}

/**
 * Works out what replacing `before` with `after` (a GroupContextExtensions proposal's list, or
 * `before` itself when the commit has none) changes, the way libxmtp's ValidatedCommit does, and
 * refuses what libxmtp refuses before any policy is consulted: a changed immutable metadata, a
 * missing XMTP extension, an identity sequence id going back, an over-long attribute.
 * Commit processing still has to check what this cannot see: that the Add and Remove proposals
 * match the membership change (libxmtp's expected installation diff) and that the actor's
 * installation belongs to its inbox at the new sequence id.
 */
export function diffGroupContext(
  before: readonly Extension[],
  after: readonly Extension[],
  actorInboxId: string,
): GroupContextChange {
  const immutable = requireExtensionData(before, EXTENSION_IMMUTABLE_METADATA);
  if (!bytesEqual(immutable, requireExtensionData(after, EXTENSION_IMMUTABLE_METADATA))) {
    throw invalid('The immutable group metadata cannot change.', 'extension 0xf000 differs');
  }
  const groupMetadata = decodeGroupMetadata(immutable);

  const oldMetadataBytes = requireExtensionData(before, EXTENSION_MUTABLE_METADATA);
  const newMetadataBytes = requireExtensionData(after, EXTENSION_MUTABLE_METADATA);
  const oldMetadata = decodeMutableMetadata(oldMetadataBytes);
  const newMetadata = bytesEqual(oldMetadataBytes, newMetadataBytes) ? oldMetadata : decodeMutableMetadata(newMetadataBytes);

  const metadataFieldsChanged: string[] = [];
  for (const key of new Set([...oldMetadata.attributes.keys(), ...newMetadata.attributes.keys()])) {
    const value = newMetadata.attributes.get(key);
    if (oldMetadata.attributes.get(key) === value) continue;
    metadataFieldsChanged.push(key);
    const max = value === undefined ? undefined : overlongAttribute(key, value);
    if (max !== undefined) throw invalid('A group attribute is too long.', `${key} is longer than ${max} bytes`);
  }

  const oldMembership = membershipOf(before);
  const newMembership = membershipOf(after);
  for (const [inboxId, sequenceId] of newMembership.members) {
    const previous = oldMembership.members.get(inboxId);
    if (previous !== undefined && sequenceId < previous) {
      throw invalid('A member’s identity sequence id went back.', `${inboxId}: ${previous} → ${sequenceId}`);
    }
  }
  const oldInboxes = [...oldMembership.members.keys()];
  const newInboxes = [...newMembership.members.keys()];

  const policies = permissionsOf(before);
  const change: GroupContextChange = {
    actor: roleIn(oldMetadata, actorInboxId),
    changes: {
      addedInboxes: addedTo(oldInboxes, newInboxes).map((id) => roleIn(oldMetadata, id)),
      removedInboxes: addedTo(newInboxes, oldInboxes).map((id) => roleIn(oldMetadata, id)),
      metadataFieldsChanged,
      adminsAdded: addedTo(oldMetadata.adminList, newMetadata.adminList),
      adminsRemoved: addedTo(newMetadata.adminList, oldMetadata.adminList),
      superAdminsAdded: addedTo(oldMetadata.superAdminList, newMetadata.superAdminList),
      superAdminsRemoved: addedTo(newMetadata.superAdminList, oldMetadata.superAdminList),
      superAdminCountAfter: newMetadata.superAdminList.length,
      permissionsChanged: !policySetsEqual(policies, permissionsOf(after)),
    },
    policies,
  };
  if (groupMetadata.dmMembers !== undefined) change.dmMembers = groupMetadata.dmMembers;
  return change;
}

/** Would an honest libxmtp client accept this group-context change from `actorInboxId`? */
export function checkGroupContextChange(
  before: readonly Extension[],
  after: readonly Extension[],
  actorInboxId: string,
): PolicyDecision {
  const { policies, actor, changes, dmMembers } = diffGroupContext(before, after, actorInboxId);
  return evaluateGroupChanges(policies, actor, changes, dmMembers);
}

/** Throws Mls.PolicyDenied (or Mls.InvalidGroupContextChange) where libxmtp would reject. */
export function assertGroupContextChangeAllowed(
  before: readonly Extension[],
  after: readonly Extension[],
  actorInboxId: string,
): void {
  assertAllowed(checkGroupContextChange(before, after, actorInboxId), actorInboxId);
}
