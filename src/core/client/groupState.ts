import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { decodeGroupStateWithoutTree, encodeGroupStateWithoutTree } from 'ts-mls/clientState.js';
import type { ClientConfig, ClientState, Credential, RatchetTree } from 'ts-mls';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { ParleyError } from '../errors';
import { inboxIdFromCredential } from '../mls/credential';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import type { GroupStateRecord } from './store';

/** A group state cannot be larger than a welcome (XMTP's 25 MiB payload limit) plus local secrets. */
export const MAX_GROUP_STATE_BYTES = 64 * 1024 * 1024;

/**
 * The ts-mls configuration of an XMTP group (libxmtp groups/mod.rs build_group_config and
 * openmls defaults): keys of 3 past epochs (MAX_PAST_EPOCHS), no padding, and leaves whose
 * credential is an XMTP MlsCredential. Functions, so rebuilt, never stored.
 */
export function xmtpClientConfig(): ClientConfig {
  return {
    ...defaultClientConfig,
    keyRetentionConfig: { retainKeysForGenerations: 10, retainKeysForEpochs: 3, maximumForwardRatchetSteps: 1000 },
    paddingConfig: { kind: 'padUntilLength', padUntilLength: 0 },
    authService: { validateCredential: async (credential: Credential) => isXmtpCredential(credential) },
  };
}

function isXmtpCredential(credential: Credential): boolean {
  try {
    inboxIdFromCredential(credential);
    return true;
  } catch {
    return false;
  }
}

/**
 * Encoded trees by tree object: ts-mls states are immutable and an application message keeps the
 * tree object, so the tree is encoded once per epoch, not once per message.
 */
const encodedTrees = new WeakMap<RatchetTree, Uint8Array>();

export function encodeGroupStateRecord(groupId: string, state: ClientState): GroupStateRecord {
  let tree = encodedTrees.get(state.ratchetTree);
  if (tree === undefined) {
    tree = encodeRatchetTree(state.ratchetTree);
    encodedTrees.set(state.ratchetTree, tree);
  }
  return { groupId, epoch: state.groupContext.epoch, ratchetTree: tree, state: encodeGroupStateWithoutTree(state) };
}

/** The inverse of encodeGroupStateRecord; a record that does not decode is Codec.Malformed. */
export function decodeGroupStateRecord(record: Pick<GroupStateRecord, 'ratchetTree' | 'state'>): ClientState {
  if (record.ratchetTree.length + record.state.length > MAX_GROUP_STATE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The stored group state is too large.', {
      details: `${record.ratchetTree.length + record.state.length} bytes`,
    });
  }
  const tree = decodeTlsExact(decodeRatchetTree, record.ratchetTree);
  if (!tree.ok) throw new ParleyError('Codec.Malformed', 'The stored ratchet tree does not decode.', { details: tree.reason });
  const state = decodeTlsExact(decodeGroupStateWithoutTree(tree.value), record.state);
  if (!state.ok) throw new ParleyError('Codec.Malformed', 'The stored group state does not decode.', { details: state.reason });
  encodedTrees.set(state.value.ratchetTree, record.ratchetTree);
  return { ...state.value, clientConfig: xmtpClientConfig() };
}
