import type { ClientState, LeafNode, RatchetTree } from 'ts-mls';
import { inboxIdFromCredential } from '../mls/credential';
import { toHex } from './bytes';

/** One member leaf of the ratchet tree, as XMTP reads it: inbox from the credential, installation from the key. */
export interface GroupLeaf {
  leafIndex: number;
  inboxId: string;
  /** Hex of the leaf signature key: the installation id. */
  installationId: string;
}

/** The member leaf at `leafIndex`, or undefined for a blank leaf or an index past the tree. */
export function leafNodeAt(tree: RatchetTree, leafIndex: number): LeafNode | undefined {
  const node = tree[leafIndex * 2];
  return node?.nodeType === 'leaf' ? node.leaf : undefined;
}

/** By leaf object (ts-mls never edits a leaf): every received message names its sender, whose credential need not be decoded again. */
const identities = new WeakMap<LeafNode, { inboxId: string; installationId: string }>();

export function groupLeafOf(leaf: LeafNode, leafIndex: number): GroupLeaf {
  let identity = identities.get(leaf);
  if (identity === undefined) {
    identity = { inboxId: inboxIdFromCredential(leaf.credential), installationId: toHex(leaf.signaturePublicKey) };
    identities.set(leaf, identity);
  }
  return { leafIndex, ...identity };
}

/** Every non-blank leaf; a credential that is not an XMTP one throws Mls.InvalidCredential. */
export function groupLeaves(state: Pick<ClientState, 'ratchetTree'>): GroupLeaf[] {
  const out: GroupLeaf[] = [];
  const tree = state.ratchetTree;
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType === 'leaf') out.push(groupLeafOf(node.leaf, nodeIndex / 2));
  }
  return out;
}
