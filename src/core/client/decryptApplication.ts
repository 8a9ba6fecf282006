import type { CiphersuiteImpl, ClientState, LeafNode, PrivateMessage } from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { ParleyError } from '../errors';
import { bytesEqual } from '../mls/bytesEqual';
import { groupLeafOf, leafNodeAt, type GroupLeaf } from './groupLeaves';

export interface DecryptedApplication {
  newState: ClientState;
  plaintext: Uint8Array;
  sender: GroupLeaf;
}

/**
 * Decrypts an application PrivateMessage of the current or a retained past epoch (RFC 9420 §6.3)
 * and names its sender leaf, which ts-mls's processPrivateMessage does not return for
 * application data. The same steps as that function: the epoch's sender-data secret, secret tree
 * and ratchet tree; the signature is checked against the sender leaf of that epoch's tree.
 */
export async function decryptApplicationMessage(
  state: ClientState,
  message: PrivateMessage,
  cs: CiphersuiteImpl,
): Promise<DecryptedApplication> {
  const current = message.epoch === state.groupContext.epoch;
  const past = current ? undefined : state.historicalReceiverData.get(message.epoch);
  if (!current && past === undefined) {
    throw new ParleyError('Mls.DecryptFailed', 'The message is from an epoch whose keys this member does not hold.', {
      details: `message epoch ${message.epoch}, group epoch ${state.groupContext.epoch}`,
    });
  }
  const keys = past ?? {
    senderDataSecret: state.keySchedule.senderDataSecret,
    secretTree: state.secretTree,
    ratchetTree: state.ratchetTree,
    groupContext: state.groupContext,
  };
  let result;
  try {
    result = await unprotectPrivateMessage(
      keys.senderDataSecret,
      message,
      keys.secretTree,
      keys.ratchetTree,
      keys.groupContext,
      state.clientConfig.keyRetentionConfig,
      cs,
    );
  } catch (cause) {
    throw new ParleyError('Mls.DecryptFailed', 'The message could not be decrypted.', {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  const { content } = result.content;
  if (content.contentType !== 'application') {
    throw new ParleyError('Mls.DecryptFailed', 'The message is not application data.', { details: content.contentType });
  }
  if (content.sender.senderType !== 'member') {
    throw new ParleyError('Mls.UnknownSender', 'Application data must come from a member.', { details: content.sender.senderType });
  }
  const leaf = leafNodeAt(keys.ratchetTree, content.sender.leafIndex);
  if (leaf === undefined) {
    throw new ParleyError('Mls.UnknownSender', 'The sender leaf is blank.', { details: `leaf ${content.sender.leafIndex}` });
  }
  if (past !== undefined && !remainsMember(state, message.epoch, content.sender.leafIndex, leaf)) {
    throw new ParleyError('Mls.SenderRemoved', 'The sender was removed from the group before this message.', {
      details: `leaf ${content.sender.leafIndex}, message epoch ${message.epoch}, group epoch ${state.groupContext.epoch}`,
    });
  }
  const newState: ClientState =
    past === undefined
      ? { ...state, secretTree: result.tree }
      : {
          ...state,
          historicalReceiverData: new Map(state.historicalReceiverData).set(message.epoch, { ...past, secretTree: result.tree }),
        };
  return { newState, plaintext: content.applicationData, sender: groupLeafOf(leaf, content.sender.leafIndex) };
}

/**
 * Whether the sender of a message of past epoch `epoch` is still the same member in every epoch
 * since. Messages are applied in the node's per-group order, so every commit that moved the group
 * past `epoch` precedes this message: a sender one of them removed (its leaf blank or holding
 * another installation in a later tree) sent after its removal, and a removed member must not go
 * on posting on the keys it retained. The later epochs' trees are the retained ones (ts-mls keeps
 * the newest epochs, so all of them are there when `epoch` is) and the current one.
 */
function remainsMember(state: ClientState, epoch: bigint, leafIndex: number, sender: LeafNode): boolean {
  for (let e = epoch + 1n; e <= state.groupContext.epoch; e++) {
    const tree = e === state.groupContext.epoch ? state.ratchetTree : state.historicalReceiverData.get(e)?.ratchetTree;
    const leaf = tree === undefined ? undefined : leafNodeAt(tree, leafIndex);
    if (leaf === undefined || !bytesEqual(leaf.signaturePublicKey, sender.signaturePublicKey)) return false;
  }
  return true;
}
