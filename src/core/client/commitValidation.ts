import type { ClientState, Extension } from 'ts-mls';
import { ParleyError } from '../errors';
import { bytesEqual } from '../mls/bytesEqual';
import { membershipOf } from '../mls/extensionsMembership';
import { assertGroupContextChangeAllowed } from '../mls/groupContextDiff';
import type { GroupLeaf } from './groupLeaves';
import { groupLeaves } from './groupLeaves';
import type { IdentityDirectory } from './identityDirectory';

/** What a received commit did, read off the proposals it carried and the states around it. */
export interface IncomingCommit {
  before: ClientState;
  after: ClientState;
  /**
   * The group-context extensions after the commit. ts-mls leaves a removed member's state at the
   * old context, so for that member these come from the commit's GCE proposal.
   */
  afterExtensions: readonly Extension[];
  /** The committer's leaf in the state before the commit. */
  actor: GroupLeaf;
  added: GroupLeaf[];
  removed: GroupLeaf[];
}

function mismatch(shortMessage: string, details: string): ParleyError {
  return new ParleyError('Mls.MembershipMismatch', shortMessage, { details });
}

function extensionsEqual(a: readonly Extension[], b: readonly Extension[]): boolean {
  return a.length === b.length && a.every((e, i) => e.extensionType === b[i]?.extensionType && bytesEqual(e.extensionData, b[i].extensionData));
}

/**
 * THE call site for incoming-commit validation: would an honest libxmtp client accept this commit
 * (libxmtp groups/validated_commit.rs ValidatedCommit::from_staged_commit)? Throws a typed error
 * when not, and the commit is then not applied.
 *
 * Interim rules until src/core/mls/validateCommit.ts lands (it replaces the body of this
 * function): the group-context change is allowed by the policies in force and leaves the
 * immutable metadata alone; the actor's installation belongs to its inbox; every added leaf is an
 * installation of an inbox whose membership entry the commit adds or advances, at that sequence
 * id; every removed leaf belongs to a removed inbox or is no longer in its inbox's log; and every
 * leaf afterwards belongs to an inbox of the membership extension.
 */
export async function validateIncomingCommit(commit: IncomingCommit, directory: IdentityDirectory): Promise<void> {
  const beforeExtensions = commit.before.groupContext.extensions;
  const afterExtensions = commit.afterExtensions;
  if (!extensionsEqual(beforeExtensions, afterExtensions)) {
    assertGroupContextChangeAllowed(beforeExtensions, afterExtensions, commit.actor.inboxId);
  }
  const before = membershipOf(beforeExtensions).members;
  const after = membershipOf(afterExtensions).members;

  const actorSequence = after.get(commit.actor.inboxId);
  if (actorSequence === undefined) {
    throw mismatch('The committer is not a member of the group.', `inbox ${commit.actor.inboxId}`);
  }
  if (!(await directory.installationsAt(commit.actor.inboxId, actorSequence)).has(commit.actor.installationId)) {
    throw mismatch('The committer’s installation does not belong to its inbox.', `installation ${commit.actor.installationId} of ${commit.actor.inboxId}`);
  }

  for (const leaf of commit.added) {
    const sequenceId = after.get(leaf.inboxId);
    if (sequenceId === undefined) {
      throw mismatch('A commit adds an installation of an inbox outside the membership.', `inbox ${leaf.inboxId}`);
    }
    if (before.get(leaf.inboxId) === sequenceId) {
      throw mismatch('A commit adds an installation without advancing its inbox’s membership.', `inbox ${leaf.inboxId}`);
    }
    if (!(await directory.installationsAt(leaf.inboxId, sequenceId)).has(leaf.installationId)) {
      throw mismatch('A commit adds an installation that is not in its inbox’s identity log.', `installation ${leaf.installationId} of ${leaf.inboxId} at sequence ${sequenceId}`);
    }
  }

  for (const leaf of commit.removed) {
    const sequenceId = after.get(leaf.inboxId);
    if (sequenceId === undefined) continue;
    if ((await directory.installationsAt(leaf.inboxId, sequenceId)).has(leaf.installationId)) {
      throw mismatch('A commit removes an installation its inbox still has.', `installation ${leaf.installationId} of ${leaf.inboxId}`);
    }
  }

  if (commit.after.groupActiveState.kind === 'removedFromGroup') return;
  for (const leaf of groupLeaves(commit.after)) {
    if (!after.has(leaf.inboxId)) {
      throw mismatch('A leaf belongs to an inbox outside the membership.', `installation ${leaf.installationId} of ${leaf.inboxId}`);
    }
  }
}

/**
 * libxmtp welcomes/validated_membership.rs check_initial_membership: the tree a welcome brings
 * holds exactly the installations the membership extension names (as of each inbox's sequence
 * id), apart from installations recorded as failed.
 */
export async function validateInitialMembership(state: ClientState, directory: IdentityDirectory): Promise<void> {
  const membership = membershipOf(state.groupContext.extensions);
  await directory.refresh([...membership.members.keys()]);
  const expected = new Map<string, Set<string>>();
  for (const [inboxId, sequenceId] of membership.members) {
    expected.set(inboxId, await directory.installationsAt(inboxId, sequenceId));
  }
  for (const leaf of groupLeaves(state)) {
    const installations = expected.get(leaf.inboxId);
    if (installations === undefined) {
      throw mismatch('The welcome’s group has a member outside its membership.', `inbox ${leaf.inboxId}`);
    }
    if (!installations.delete(leaf.installationId)) {
      throw mismatch('The welcome’s group has an installation not in its inbox’s identity log.', `installation ${leaf.installationId} of ${leaf.inboxId}`);
    }
  }
  const failed = new Set(membership.failedInstallations.map((k) => [...k].map((b) => b.toString(16).padStart(2, '0')).join('')));
  for (const [inboxId, rest] of expected) {
    for (const installationId of rest) {
      if (!failed.has(installationId)) {
        throw mismatch('The welcome’s group lacks an installation its membership names.', `installation ${installationId} of ${inboxId}`);
      }
    }
  }
}
