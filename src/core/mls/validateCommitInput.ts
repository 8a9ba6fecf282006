import type { ClientState, IncomingMessageCallback, ProposalWithSender, RatchetTree } from 'ts-mls';
import { ParleyError } from '../errors';
import { inboxIdFromCredential } from './credential';
import type { CommitLeaf, ValidateCommitInput } from './validateCommit';

/**
 * The glue between ts-mls 1.6.4's commit processing and validateCommit: what the
 * IncomingMessageCallback sees, and the leaves of a ratchet tree read as XMTP reads them.
 * See validateCommit.ts for the calling pattern.
 */

/** The `kind: "commit"` argument ts-mls passes its IncomingMessageCallback (processMessages.js processCommit). */
export interface IncomingCommit {
  senderLeafIndex: number | undefined;
  proposals: ProposalWithSender[];
}

export interface CommitRecorder {
  /** Pass to processPrivateMessage / processMessage: records the commit and accepts it. */
  callback: IncomingMessageCallback;
  /** The commit the last processed message carried, if it was one. */
  commit(): IncomingCommit | undefined;
}

/**
 * A callback that only records: the decision is taken afterwards, by validateCommit, because
 * the callback must answer synchronously. Standalone proposals are accepted as ts-mls would;
 * a later commit that uses one from another member fails validateCommit (one actor per commit).
 */
export function commitRecorder(): CommitRecorder {
  let seen: IncomingCommit | undefined;
  return {
    callback(incoming) {
      if (incoming.kind === 'commit') seen = { senderLeafIndex: incoming.senderLeafIndex, proposals: incoming.proposals };
      return 'accept';
    },
    commit: () => seen,
  };
}

/** Every leaf of the tree with its inbox (from the credential) and installation key (its signature key). */
export function xmtpLeaves(tree: RatchetTree): CommitLeaf[] {
  const leaves: CommitLeaf[] = [];
  // RFC 9420 §4.1 array representation: leaf i sits at node 2i.
  for (let node = 0; node < tree.length; node += 2) {
    const entry = tree[node];
    if (entry?.nodeType !== 'leaf') continue;
    leaves.push({
      leafIndex: node / 2,
      inboxId: inboxIdFromCredential(entry.leaf.credential),
      installationKey: entry.leaf.signaturePublicKey,
    });
  }
  return leaves;
}

function leafAt(tree: RatchetTree, leafIndex: number): CommitLeaf | undefined {
  const entry = tree[leafIndex * 2];
  if (entry?.nodeType !== 'leaf') return undefined;
  return { leafIndex, inboxId: inboxIdFromCredential(entry.leaf.credential), installationKey: entry.leaf.signaturePublicKey };
}

/**
 * validateCommit's input, but for identityStateAt, from the member's state before the commit,
 * what the recorder saw, and the state ts-mls produced. The committer is read from `after`,
 * where an update path has replaced its leaf (libxmtp judges the path's leaf); when this member
 * was removed ts-mls stops before applying the path, and the leaf there is the one before.
 */
export function commitValidationInput(
  before: ClientState,
  commit: IncomingCommit,
  after?: ClientState,
): Omit<ValidateCommitInput, 'identityStateAt'> {
  const { senderLeafIndex } = commit;
  if (senderLeafIndex === undefined) {
    // External commits (RFC 9420 §12.4.3.2): libxmtp 1.10 has no way to accept one (ActorNotMember).
    throw new ParleyError('Mls.CommitInvalid', 'The commit does not come from a member of the group.', {
      details: 'external commit (libxmtp ActorNotMember)',
    });
  }
  const actor = (after && leafAt(after.ratchetTree, senderLeafIndex)) ?? leafAt(before.ratchetTree, senderLeafIndex);
  if (actor === undefined) {
    throw new ParleyError('Mls.CommitInvalid', 'The committer is not a member of the group.', {
      details: `no leaf at index ${senderLeafIndex} (libxmtp ActorNotMember)`,
    });
  }
  return {
    actor,
    proposals: commit.proposals,
    oldExtensions: before.groupContext.extensions,
    existingLeaves: xmtpLeaves(before.ratchetTree),
  };
}
