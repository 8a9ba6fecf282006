import { bytesToHex } from '@noble/hashes/utils.js';
import type { GroupUpdated, GroupUpdated_Inbox } from '@xmtp/proto/mls/message_contents/transcript_messages.pb';
import type { Extension, KeyPackage, LeafNodeUpdate, ProposalWithSender } from 'ts-mls';
import { ParleyError, type ErrorCode } from '../errors';
import type { AssociationState } from '../identity';
import { bytesEqual } from './bytesEqual';
import { inboxIdFromCredential } from './credential';
import { membershipOf } from './extensionsMembership';
import { mutableMetadataOf } from './extensionsMutableMetadata';
import { diffGroupContext } from './groupContextDiff';
import { installationsAt, InstallationSet, membershipDiff, type IdentityStateAt } from './membershipDiff';
import { assertAllowed, evaluateGroupChanges, type InboxRole } from './policiesEvaluate';

/**
 * Would an honest libxmtp v1.10.0 client accept this incoming commit? libxmtp
 * xmtp_mls/src/groups/validated_commit.rs, ValidatedCommit::from_staged_commit, rule for rule:
 * one actor; no PSKs; the immutable metadata unchanged, sequence ids only growing, attributes
 * within their limits (groupContextDiff.ts); Add and Remove proposals exactly those the
 * membership change implies (membershipDiff.ts); the committer's installation, and any Update
 * proposal's, in its inbox at the new sequence id; the permission policies in force before the
 * commit (policiesEvaluate.ts). The result carries what the client needs for the local
 * group_updated message.
 *
 * Wiring with ts-mls 1.6.4 (see validateCommitInput.ts and the example in
 * test/core/mls/validateCommit.test.ts). ts-mls calls an IncomingMessageCallback after resolving
 * the commit's proposals and before applying it, but the callback is synchronous: it returns
 * "accept" | "reject", and ts-mls compares the result to "reject", so an async validator
 * returned from it (a Promise) silently accepts. Identity lookups are async, so validate after
 * processing instead; ts-mls states are immutable values, so nothing has moved until the client
 * persists the new one:
 *
 *   const recorder = commitRecorder();
 *   const result = await processPrivateMessage(state, message, emptyPskIndex, cs, recorder.callback);
 *   const commit = recorder.commit();
 *   if (commit !== undefined) {
 *     // throws a ParleyError: keep `state`, drop `result` (and do NOT wipe result.consumed: it
 *     // holds secrets of the state being kept), record the message as an invalid commit
 *     await validateCommit({ ...commitValidationInput(state, commit, result.newState), identityStateAt });
 *   }
 *   // persist result.newState (and the group_updated message from `changes`), then wipe consumed
 *
 * Mls.IdentityStateMissing means "cannot tell yet" (an identity update not found, or the lookup
 * failed: its error is the cause): retry later, as libxmtp retries its InstallationDiff errors.
 * Every other ParleyError (Mls.Commit*, Mls.PolicyDenied, Mls.InvalidGroupContextChange,
 * Mls.InvalidCredential, Mls.MissingExtension, Codec.*) means an honest libxmtp client rejects
 * the commit too.
 */

/** A leaf as XMTP reads it: the inbox its credential names and its signature key (the installation id). */
export interface CommitLeaf {
  leafIndex: number;
  inboxId: string;
  installationKey: Uint8Array;
}

export interface ValidateCommitInput {
  /**
   * The committer: its leaf after the commit (the update path's leaf when the commit has a
   * path, as libxmtp's extract_actor reads it), at the committer's leaf index.
   */
  actor: CommitLeaf;
  /** The commit's proposals, by-reference ones resolved, with their senders (what ts-mls passes its callback). */
  proposals: readonly ProposalWithSender[];
  /** The group-context extensions before the commit; the new ones come from its GCE proposal. */
  oldExtensions: readonly Extension[];
  /** Every leaf of the tree before the commit. */
  existingLeaves: readonly CommitLeaf[];
  identityStateAt: IdentityStateAt;
  /**
   * Inboxes that asked to leave (libxmtp's pending self-removals): their removal is reported as
   * `leftInboxes` instead of `removedInboxes`.
   */
  pendingRemovals?: readonly string[];
  /**
   * What to do when the membership change implies installations the commit neither adds nor
   * lists as failed. libxmtp's validator allows it (its rule 7), though libxmtp's own commits
   * always add or list every one; 'reject' (the default) refuses it (Mls.CommitMissingInstallation).
   */
  missingInstallations?: 'reject' | 'allow';
}

export interface ValidatedCommit {
  ok: true;
  /** The committer, with its standing before the commit. */
  actor: InboxRole & { installationKey: Uint8Array };
  /** The transcript message libxmtp builds for this commit (GroupUpdated, content type group_updated). */
  changes: GroupUpdated;
  /** The group-context extensions after the commit. */
  newExtensions: readonly Extension[];
  addedInboxes: string[];
  removedInboxes: string[];
  /** Members whose identity sequence id moved (new or revoked installations). */
  updatedInboxes: string[];
  installationsAdded: Uint8Array[];
  installationsRemoved: Uint8Array[];
  /** Installations a super admin removed and added back (or dropped from the failed list) in one go. */
  readdedInstallations: Uint8Array[];
  /** Implied installations the commit left out; empty unless `missingInstallations: 'allow'`. */
  missingInstallations: Uint8Array[];
  permissionsChanged: boolean;
  /** No inbox, attribute, admin or permission changed: a key update. */
  isEmpty: boolean;
}

function fail(code: ErrorCode, shortMessage: string, details: string): ParleyError {
  return new ParleyError(code, shortMessage, { details });
}

const hex = bytesToHex;
const hexList = (keys: readonly Uint8Array[]): string => keys.map(hex).join(', ');
const inbox = (inboxId: string): GroupUpdated_Inbox => ({ inboxId });

/**
 * One lookup per (inbox, sequence id) in a validation, however many rules ask. Whatever the
 * lookup throws becomes Mls.IdentityStateMissing (cause kept): libxmtp retries its
 * InstallationDiff errors, and a commit must not be rejected for a network failure.
 */
function memoized(identityStateAt: IdentityStateAt): IdentityStateAt {
  const cache = new Map<string, Promise<AssociationState | undefined>>();
  return (inboxId, sequenceId) => {
    const key = `${inboxId}:${sequenceId}`;
    let found = cache.get(key);
    if (found === undefined) {
      found = (async () => {
        try {
          return await identityStateAt(inboxId, sequenceId);
        } catch (cause) {
          throw new ParleyError('Mls.IdentityStateMissing', 'An identity state the commit depends on could not be loaded.', {
            details: `inbox ${inboxId} at sequence id ${sequenceId}`,
            cause,
          });
        }
      })();
      cache.set(key, found);
    }
    return found;
  };
}

interface SortedProposals {
  adds: KeyPackage[];
  removes: number[];
  updates: LeafNodeUpdate[];
  newExtensions: readonly Extension[] | undefined;
}

/** Rule 5 (one actor) and rule 6 (no PSK), and only the proposal kinds XMTP uses. */
function sortProposals(proposals: readonly ProposalWithSender[], actor: CommitLeaf): SortedProposals {
  const sorted: SortedProposals = { adds: [], removes: [], updates: [], newExtensions: undefined };
  for (const { proposal, senderLeafIndex } of proposals) {
    if (senderLeafIndex !== actor.leafIndex) {
      throw fail(
        'Mls.CommitInvalid',
        'A commit’s proposals must all come from its committer.',
        senderLeafIndex === undefined
          ? 'a proposal from outside the group (libxmtp ActorNotMember)'
          : `proposal from leaf ${senderLeafIndex}, commit from leaf ${actor.leafIndex} (libxmtp MultipleActors)`,
      );
    }
    switch (proposal.proposalType) {
      case 'add':
        sorted.adds.push(proposal.add.keyPackage);
        break;
      case 'remove':
        sorted.removes.push(proposal.remove.removed);
        break;
      case 'update':
        sorted.updates.push(proposal.update.leafNode);
        break;
      case 'group_context_extensions':
        // RFC 9420 §12.2: at most one per commit (ts-mls checks this too).
        if (sorted.newExtensions !== undefined) {
          throw fail('Mls.CommitInvalid', 'A commit carries at most one GroupContextExtensions proposal.', 'two found');
        }
        sorted.newExtensions = proposal.groupContextExtensions.extensions;
        break;
      default:
        throw fail(
          'Mls.CommitInvalid',
          'The commit carries a proposal XMTP does not use.',
          `proposal type ${String(proposal.proposalType)}${proposal.proposalType === 'psk' ? ' (libxmtp NoPSKSupport)' : ''}`,
        );
    }
  }
  return sorted;
}

/** Rule 4: the participant's installation is in its inbox at the sequence id the new membership gives it. */
async function checkInstallationOfInbox(
  identityStateAt: IdentityStateAt,
  newMembers: ReadonlyMap<string, bigint>,
  who: string,
  inboxId: string,
  installationKey: Uint8Array,
): Promise<void> {
  const sequenceId = newMembers.get(inboxId);
  if (sequenceId === undefined) {
    throw fail('Mls.CommitActorNotInInbox', 'The commit comes from an installation outside the group’s membership.', `${who}: inbox ${inboxId} is not a member (libxmtp SubjectDoesNotExist)`);
  }
  if (!(await installationsAt(identityStateAt, inboxId, sequenceId)).has(installationKey)) {
    throw fail(
      'Mls.CommitActorNotInInbox',
      'The commit comes from an installation its inbox does not hold.',
      `${who}: installation ${hex(installationKey)} is not in inbox ${inboxId} at sequence id ${sequenceId} (libxmtp InboxValidationFailed)`,
    );
  }
}

/**
 * Checks an incoming commit as libxmtp does and summarises it; throws a ParleyError with a
 * specific code where an honest libxmtp client would reject it (see the file header).
 */
export async function validateCommit(input: ValidateCommitInput): Promise<ValidatedCommit> {
  const { actor, oldExtensions, existingLeaves } = input;
  const identityStateAt = memoized(input.identityStateAt);
  const leaves = new Map(existingLeaves.map((leaf) => [leaf.leafIndex, leaf]));

  const proposals = sortProposals(input.proposals, actor);
  const committerBefore = leaves.get(actor.leafIndex);
  if (committerBefore === undefined) {
    throw fail('Mls.CommitInvalid', 'The committer is not a member of the group.', `no leaf at index ${actor.leafIndex} (libxmtp ActorNotMember)`);
  }
  // libxmtp extract_actor: with proposals and a path, both must be the same installation.
  if (input.proposals.length > 0 && !bytesEqual(committerBefore.installationKey, actor.installationKey)) {
    throw fail('Mls.CommitInvalid', 'A commit’s proposals must all come from its committer.', 'the update path changes the proposer’s signature key (libxmtp MultipleActors)');
  }

  const newExtensions = proposals.newExtensions ?? oldExtensions;
  // Immutable metadata, sequence ids only growing, attribute limits (rule 1 and rule 8).
  const context = diffGroupContext(oldExtensions, newExtensions, actor.inboxId);
  const oldMembership = membershipOf(oldExtensions);
  const newMembership = membershipOf(newExtensions);

  // Rule 2: the installations the membership change implies.
  const expected = await membershipDiff({
    oldMembership: oldMembership.members,
    newMembership: newMembership.members,
    identityStateAt,
  });

  // What the proposals actually do. Each Add must be an installation of an inbox in the new
  // membership, present in that inbox's identity state at its new sequence id.
  const added = new InstallationSet();
  for (const keyPackage of proposals.adds) {
    const { credential, signaturePublicKey } = keyPackage.leafNode;
    const inboxId = inboxIdFromCredential(credential);
    const sequenceId = newMembership.members.get(inboxId);
    if (sequenceId === undefined) {
      throw fail('Mls.CommitAddNotInMembership', 'The commit adds an installation of an inbox the membership does not list.', `inbox ${inboxId}, installation ${hex(signaturePublicKey)}`);
    }
    if (!(await installationsAt(identityStateAt, inboxId, sequenceId)).has(signaturePublicKey)) {
      throw fail(
        'Mls.CommitUnexpectedInstallation',
        'The commit adds an installation its inbox’s identity log does not hold.',
        `installation ${hex(signaturePublicKey)} is not in inbox ${inboxId} at sequence id ${sequenceId}`,
      );
    }
    added.add(signaturePublicKey);
  }
  const removed = new InstallationSet();
  for (const leafIndex of proposals.removes) {
    const leaf = leaves.get(leafIndex);
    if (leaf === undefined) throw fail('Mls.CommitInvalid', 'The commit removes a leaf that is not a member.', `leaf ${leafIndex} (libxmtp SubjectDoesNotExist)`);
    removed.add(leaf.installationKey);
  }

  // libxmtp extract_readded_installations: a super admin may remove and re-add an installation
  // (fork recovery), or drop a failed one; neither counts as a membership change.
  const failed = new InstallationSet(newMembership.failedInstallations);
  const listedAsFailed = new InstallationSet(newMembership.failedInstallations);
  const readded = new InstallationSet();
  if (context.actor.isSuperAdmin) {
    for (const key of added.values()) if (removed.has(key)) readded.add(key);
    for (const key of readded.values()) {
      added.delete(key);
      removed.delete(key);
    }
    for (const key of failed.values()) {
      if (!removed.has(key)) continue;
      readded.add(key);
      removed.delete(key);
      failed.delete(key);
    }
  }

  // Rule 3 (expected_diff_matches_commit): adds are expected or already members; removals are
  // exactly the expected ones the new membership does not list as failed.
  const expectedAdds = new InstallationSet(expected.installationsToAdd);
  const existing = new InstallationSet(existingLeaves.map((leaf) => leaf.installationKey));
  const unknownAdds = added.values().filter((key) => !expectedAdds.has(key) && !existing.has(key));
  if (unknownAdds.length > 0) {
    throw fail('Mls.CommitUnexpectedInstallation', 'The commit adds installations the membership change does not imply.', `installations ${hexList(unknownAdds)} (libxmtp UnexpectedInstallationAdded)`);
  }
  const expectedRemovals = new InstallationSet(expected.installationsToRemove.filter((key) => !failed.has(key)));
  const unexpectedRemovals = removed.values().filter((key) => !expectedRemovals.has(key));
  if (unexpectedRemovals.length > 0) {
    throw fail('Mls.CommitUnexpectedRemoval', 'The commit removes installations the membership change does not imply.', `installations ${hexList(unexpectedRemovals)} (libxmtp UnexpectedInstallationsRemoved)`);
  }
  const leftBehind = expectedRemovals.values().filter((key) => !removed.has(key));
  if (leftBehind.length > 0) {
    throw fail(
      'Mls.CommitIncompleteRemoval',
      'The commit leaves installations the membership change removes.',
      `installations ${hexList(leftBehind)} of removed inboxes or revoked keys stay (libxmtp UnexpectedInstallationsRemoved)`,
    );
  }
  const missingInstallations = expectedAdds
    .values()
    .filter((key) => !added.has(key) && !existing.has(key) && !listedAsFailed.has(key) && !readded.has(key));
  if (missingInstallations.length > 0 && (input.missingInstallations ?? 'reject') === 'reject') {
    throw fail(
      'Mls.CommitMissingInstallation',
      'The membership change implies installations the commit neither adds nor lists as failed.',
      `installations ${hexList(missingInstallations)}`,
    );
  }

  // Rule 4: the committer and every Update proposal's leaf belong to their inboxes.
  await checkInstallationOfInbox(identityStateAt, newMembership.members, 'committer', actor.inboxId, actor.installationKey);
  for (const leaf of proposals.updates) {
    await checkInstallationOfInbox(identityStateAt, newMembership.members, 'update proposal', inboxIdFromCredential(leaf.credential), leaf.signaturePublicKey);
  }

  // The policies in force before the commit (PolicySet::evaluate_commit).
  assertAllowed(evaluateGroupChanges(context.policies, context.actor, context.changes, context.dmMembers), actor.inboxId);

  const oldMetadata = mutableMetadataOf(oldExtensions);
  const newMetadata = newExtensions === oldExtensions ? oldMetadata : mutableMetadataOf(newExtensions);
  const leaving = new Set(input.pendingRemovals ?? []);
  const { changes } = context;
  const summary: GroupUpdated = {
    initiatedByInboxId: actor.inboxId,
    addedInboxes: expected.addedInboxes.map(inbox),
    removedInboxes: expected.removedInboxes.filter((id) => !leaving.has(id)).map(inbox),
    metadataFieldChanges: changes.metadataFieldsChanged.map((fieldName) => ({
      fieldName,
      oldValue: oldMetadata.attributes.get(fieldName),
      newValue: newMetadata.attributes.get(fieldName),
    })),
    leftInboxes: expected.removedInboxes.filter((id) => leaving.has(id)).map(inbox),
    addedAdminInboxes: changes.adminsAdded.map(inbox),
    removedAdminInboxes: changes.adminsRemoved.map(inbox),
    addedSuperAdminInboxes: changes.superAdminsAdded.map(inbox),
    removedSuperAdminInboxes: changes.superAdminsRemoved.map(inbox),
  };

  return {
    ok: true,
    actor: { ...context.actor, installationKey: actor.installationKey },
    changes: summary,
    newExtensions,
    addedInboxes: expected.addedInboxes,
    removedInboxes: expected.removedInboxes,
    updatedInboxes: expected.updatedInboxes,
    installationsAdded: added.values(),
    installationsRemoved: removed.values(),
    readdedInstallations: readded.values(),
    missingInstallations,
    permissionsChanged: changes.permissionsChanged,
    isEmpty:
      expected.addedInboxes.length + expected.removedInboxes.length === 0 &&
      changes.metadataFieldsChanged.length +
        changes.adminsAdded.length +
        changes.adminsRemoved.length +
        changes.superAdminsAdded.length +
        changes.superAdminsRemoved.length ===
        0 &&
      !changes.permissionsChanged,
  };
}
