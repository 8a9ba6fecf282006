import { createCommit, encodeMlsMessage } from 'ts-mls';
import type { ClientState, Extension, Proposal } from 'ts-mls';
import { bytesEqual } from '../mls/bytesEqual';
import { mutableMetadataOf } from '../mls/extensionsMutableMetadata';
import { permissionsOf } from '../mls/extensionsPermissions';
import { withMetadataAttribute, withPolicySet } from '../mls/groupContext';
import { assertOwnChangePermitted } from '../mls/ownChangeCheck';
import { withAdminListAction, withPermission } from '../mls/policyUpdate';
import { ParleyError } from '../errors';
import type { ClientContext } from './clientContext';
import { validateIncomingCommit } from './commitValidation';
import { groupLeaves } from './groupLeaves';
import { ownLeafKeyChanged } from './keyRotation';
import { encodeGroupUpdated } from './messageRecords';
import type { IntentData, PostCommit } from './intentData';
import { planMembershipUpdate } from './membershipPlan';

function sameExtensions(a: readonly Extension[], b: readonly Extension[]): boolean {
  return a.length === b.length && a.every((e, i) => e.extensionType === b[i]?.extensionType && bytesEqual(e.extensionData, b[i].extensionData));
}

export interface BuiltCommit {
  /** TLS MLSMessage(PrivateMessage) to publish. */
  payload: Uint8Array;
  /** The state the commit leads to once the node accepts it. */
  staged: ClientState;
  postCommit: PostCommit;
}

/**
 * Builds the commit an intent asks for on the group's current epoch (libxmtp mls_sync.rs
 * get_publish_intent_data), or undefined when it would change nothing. Every change is checked
 * against the group's policies first, so a commit other members would reject is never sent.
 * Membership changes are Add and Remove proposals plus the membership GCE in one commit, the
 * ratchet tree in the welcome (libxmtp update_group_membership).
 */
export async function buildCommit(ctx: ClientContext, state: ClientState, data: IntentData): Promise<BuiltCommit | undefined> {
  const extensions = state.groupContext.extensions;
  const proposals: Proposal[] = [];
  const postCommit: PostCommit = { recipients: [] };
  switch (data.kind) {
    case 'sendMessage':
      return undefined;
    case 'keyUpdate':
      // An empty commit: RFC 9420 §12.4 gives it an UpdatePath, which replaces our leaf and path keys.
      break;
    case 'updateMetadata': {
      if (mutableMetadataOf(extensions).attributes.get(data.field) === data.value) return undefined;
      const next = withMetadataAttribute(extensions, data.field, data.value);
      assertOwnChangePermitted(extensions, next, ctx.identity.inboxId);
      proposals.push({ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: next } });
      break;
    }
    case 'updateAdminList':
    case 'updatePermission': {
      const next =
        data.kind === 'updateAdminList'
          ? withAdminListAction(extensions, data.action, data.inboxId)
          : withPolicySet(extensions, withPermission(permissionsOf(extensions), data));
      // Already so (libxmtp would commit a no-op; nothing to tell the others).
      if (sameExtensions(extensions, next)) return undefined;
      assertOwnChangePermitted(extensions, next, ctx.identity.inboxId);
      proposals.push({ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: next } });
      break;
    }
    case 'updateMembership': {
      const plan = await planMembershipUpdate({
        api: ctx.api,
        directory: ctx.directory,
        state,
        ownInstallationId: ctx.installationId,
        now: ctx.now(),
        addInboxIds: data.addInboxIds,
        removeInboxIds: data.removeInboxIds,
      });
      if (!plan.changed) return undefined;
      assertOwnChangePermitted(extensions, plan.extensions, ctx.identity.inboxId);
      for (const keyPackage of plan.addKeyPackages) proposals.push({ proposalType: 'add', add: { keyPackage } });
      for (const removed of plan.removeLeafIndices) proposals.push({ proposalType: 'remove', remove: { removed } });
      proposals.push({ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: plan.extensions } });
      postCommit.recipients = plan.recipients;
      break;
    }
  }
  const result = await createCommit({ state, cipherSuite: ctx.cs }, { extraProposals: proposals, ratchetTreeExtension: true });
  // Judged by the same rules as a received commit (libxmtp validates its own staged commit too),
  // which also gives the transcript every member derives from it.
  const ownLeaf = groupLeaves(state).find((l) => l.installationId === ctx.installationId);
  if (ownLeaf === undefined) throw new ParleyError('Client.NotActive', 'This installation is not a member of the group.');
  const { content } = await validateIncomingCommit(
    state,
    { senderLeafIndex: ownLeaf.leafIndex, proposals: proposals.map((proposal) => ({ proposal, senderLeafIndex: ownLeaf.leafIndex })) },
    result.newState,
    ctx.directory,
  );
  if (content !== undefined) postCommit.transcript = encodeGroupUpdated(content);
  if (ownLeafKeyChanged(state, result.newState, ctx.installationId)) postCommit.rotatesLeaf = true;
  if (result.welcome !== undefined && postCommit.recipients.length > 0) {
    postCommit.welcome = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome });
  }
  return { payload: encodeMlsMessage(result.commit), staged: result.newState, postCommit };
}
