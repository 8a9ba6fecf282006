import { ParleyError } from '../errors';
import type { GroupMembership } from './extensionsMembership';
import { InstallationSet, membershipDiff, type IdentityStateAt, type MembershipDiff } from './membershipDiff';

/**
 * The committer's side of a membership change: the new 0xff01 map for the GroupContextExtensions
 * proposal, and which installations to Add (after fetching their key packages) and Remove.
 * libxmtp v1.10.0 groups/mls_sync.rs get_membership_update_intent and
 * calculate_membership_changes_with_keypackages.
 */

export interface MembershipUpdateInput {
  /** The group's current 0xff01 membership. */
  membership: GroupMembership;
  /**
   * The latest identity-update sequence id of each inbox to add, and of any member to bring up to
   * date (libxmtp refreshes every member on each add). A member's entry only ever grows: a value
   * not above the current one leaves it alone.
   */
  latestSequenceIds: ReadonlyMap<string, bigint>;
  /** Inboxes to take out of the group; removal wins over an entry in latestSequenceIds. */
  removeInboxes?: readonly string[];
  /** The committer's own installation: already a leaf, so never fetched nor added. */
  ownInstallationKey: Uint8Array;
  identityStateAt: IdentityStateAt;
}

export interface MembershipUpdatePlan {
  /** The map for the commit's 0xff01; add key-package failures with withFailedInstallations. */
  membership: GroupMembership;
  diff: MembershipDiff;
  /** Fetch a key package for each and Add it; those that fail go to withFailedInstallations. */
  installationsToAdd: Uint8Array[];
  /** Remove the leaves whose signature key is one of these (keys with no leaf are skipped). */
  installationsToRemove: Uint8Array[];
  /** Nothing changes in the map: no commit is needed. */
  isEmpty: boolean;
}

/**
 * Plans an add, a removal or a refresh of members. Installations already listed as failed stay
 * in the failed list when their inbox leaves: libxmtp's validator (validated_commit.rs
 * expected_diff_matches_commit) expects every installation of a removed inbox to be removed
 * unless the new map lists it as failed, and such an installation has no leaf to remove.
 */
export async function planMembershipUpdate(input: MembershipUpdateInput): Promise<MembershipUpdatePlan> {
  const { membership, latestSequenceIds, removeInboxes = [], ownInstallationKey, identityStateAt } = input;
  const members = new Map(membership.members);
  for (const [inboxId, sequenceId] of latestSequenceIds) {
    const current = members.get(inboxId);
    if (current === undefined || sequenceId > current) members.set(inboxId, sequenceId);
  }
  for (const inboxId of removeInboxes) members.delete(inboxId);
  const next: GroupMembership = { members, failedInstallations: [...membership.failedInstallations] };

  const diff = await membershipDiff({ oldMembership: membership.members, newMembership: members, identityStateAt });
  const failed = new InstallationSet(membership.failedInstallations);
  const own = new InstallationSet([ownInstallationKey]);
  const installationsToRemove = diff.installationsToRemove.filter((key) => !failed.has(key));
  if (installationsToRemove.some((key) => own.has(key))) {
    // libxmtp refuses too ("Cannot remove own leaf node"): a member leaves by other means.
    throw new ParleyError('Mls.BadInput', 'A commit cannot remove its committer’s own installation.', {
      details: 'the membership change revokes or removes this installation',
    });
  }
  return {
    membership: next,
    diff,
    installationsToAdd: diff.installationsToAdd.filter((key) => !own.has(key)),
    installationsToRemove,
    isEmpty: diff.addedInboxes.length + diff.removedInboxes.length + diff.updatedInboxes.length === 0,
  };
}

/**
 * The map with installations whose key packages could not be fetched or verified added to its
 * failed list, so peers neither expect their Add nor retry them forever (libxmtp
 * UpdateGroupMembershipIntentData::apply_to_group_membership).
 */
export function withFailedInstallations(membership: GroupMembership, failed: readonly Uint8Array[]): GroupMembership {
  const all = new InstallationSet([...membership.failedInstallations, ...failed]);
  return { members: membership.members, failedInstallations: all.values() };
}
