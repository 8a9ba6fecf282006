import type { GroupUpdated } from '@xmtp/proto/mls/message_contents/transcript_messages.pb';
import type { ClientState, Extension } from 'ts-mls';
import { groupUpdatedFromProto, type GroupUpdatedContent } from '../content';
import { ParleyError } from '../errors';
import { membershipOf } from '../mls/extensionsMembership';
import { validateCommit } from '../mls/validateCommit';
import { commitValidationInput, type IncomingCommit as RecordedCommit } from '../mls/validateCommitInput';
import { toHex } from './bytes';
import { groupLeaves } from './groupLeaves';
import type { IdentityDirectory } from './identityDirectory';

/**
 * THE call site for incoming-commit validation (src/core/mls/validateCommit.ts, libxmtp
 * groups/validated_commit.rs): would an honest libxmtp client accept this commit? Returns the
 * transcript content for it (undefined for a key update or a member's new installation, libxmtp
 * ValidatedCommit::is_empty), or throws a typed error and the commit is not applied.
 * Mls.IdentityStateMissing means "cannot tell yet": the caller retries later.
 */
export async function validateIncomingCommit(
  before: ClientState,
  commit: RecordedCommit,
  after: ClientState,
  directory: IdentityDirectory,
): Promise<{ content: GroupUpdatedContent | undefined; newExtensions: readonly Extension[] }> {
  const validated = await validateCommit({
    ...commitValidationInput(before, commit, after),
    identityStateAt: (inboxId, sequenceId) => directory.stateAt(inboxId, sequenceId),
    // An honest libxmtp client accepts a commit that leaves an implied installation out (its rule 7).
    missingInstallations: 'allow',
  });
  return { content: transcriptOf(validated.changes), newExtensions: validated.newExtensions };
}

/** The GroupUpdated summary as content; undefined when libxmtp stores no transcript message for it. */
function transcriptOf(changes: GroupUpdated): GroupUpdatedContent | undefined {
  const content = groupUpdatedFromProto(changes);
  const empty = [
    content.addedInboxes,
    content.removedInboxes,
    content.leftInboxes,
    content.metadataFieldChanges,
    content.addedAdminInboxes,
    content.removedAdminInboxes,
    content.addedSuperAdminInboxes,
    content.removedSuperAdminInboxes,
  ].every((list) => list.length === 0);
  return empty ? undefined : content;
}

function mismatch(shortMessage: string, details: string): ParleyError {
  return new ParleyError('Mls.MembershipMismatch', shortMessage, { details });
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
  const failed = new Set(membership.failedInstallations.map(toHex));
  for (const [inboxId, rest] of expected) {
    for (const installationId of rest) {
      if (!failed.has(installationId)) {
        throw mismatch('The welcome’s group lacks an installation its membership names.', `installation ${installationId} of ${inboxId}`);
      }
    }
  }
}
