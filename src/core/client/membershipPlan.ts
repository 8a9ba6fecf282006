import type { ClientState, Extension, KeyPackage } from 'ts-mls';
import type { NetworkApi } from '../api/networkApi';
import { ParleyError } from '../errors';
import { replaceExtension } from '../mls/extensions';
import { membershipExtension, membershipOf } from '../mls/extensionsMembership';
import { validateXmtpKeyPackage } from '../mls/keyPackageValidate';
import { planMembershipUpdate as planMembershipDiff, withFailedInstallations } from '../mls/membershipDiffPlan';
import { isUsableXWingPublicKey } from '../mls/welcomeWrapperKey';
import { fromHex, toHex } from './bytes';
import { groupLeaves } from './groupLeaves';
import type { IdentityDirectory } from './identityDirectory';
import type { WelcomeRecipient } from './intentData';

export interface MembershipPlan {
  /** The whole new group-context extension list (membership updated), for the GCE proposal. */
  extensions: Extension[];
  addKeyPackages: KeyPackage[];
  /** Welcome recipients, one per added key package, in the same order. */
  recipients: WelcomeRecipient[];
  removeLeafIndices: number[];
  /** False when the commit would change nothing: no leaf and no membership entry. */
  changed: boolean;
}

export interface MembershipPlanInput {
  api: NetworkApi;
  directory: IdentityDirectory;
  state: ClientState;
  ownInstallationId: string;
  now: Date;
  addInboxIds: readonly string[];
  removeInboxIds: readonly string[];
}

/**
 * THE call site for the membership diff (src/core/mls/membershipDiffPlan.ts, libxmtp
 * mls_sync.rs get_membership_update_intent + calculate_membership_changes_with_keypackages):
 * refreshes the identity logs of every member and of the inboxes to add, plans the new
 * membership map (every member brought to its newest sequence id, so a member's new
 * installations join and revoked ones leave with any change: libxmtp "add missing
 * installations"), fetches and checks the key packages of the installations to add, and records
 * those that fail as failed installations, as libxmtp does, rather than blocking the commit.
 */
export async function planMembershipUpdate(input: MembershipPlanInput): Promise<MembershipPlan> {
  const { api, directory, state, now } = input;
  const extensions = state.groupContext.extensions;
  const old = membershipOf(extensions);
  const removing = new Set(input.removeInboxIds);
  const candidates = [...new Set([...old.members.keys(), ...input.addInboxIds])].filter((id) => !removing.has(id));
  await directory.refresh(candidates);
  const latestSequenceIds = new Map<string, bigint>();
  for (const inboxId of candidates) {
    const latest = await directory.latestSequenceId(inboxId, false);
    if (latest === 0n) {
      throw new ParleyError('Client.NoInbox', 'An inbox to add has no identity updates on the network.', { details: inboxId });
    }
    latestSequenceIds.set(inboxId, latest);
  }
  const plan = await planMembershipDiff({
    membership: old,
    latestSequenceIds,
    removeInboxes: [...removing].filter((id) => old.members.has(id)),
    ownInstallationKey: fromHex(input.ownInstallationId),
    identityStateAt: (inboxId, sequenceId) => directory.stateAt(inboxId, sequenceId),
  });

  const leaves = groupLeaves(state);
  const inTree = new Set(leaves.map((l) => l.installationId));
  const toRemove = new Set(plan.installationsToRemove.map(toHex));
  const removeLeafIndices = leaves.filter((l) => toRemove.has(l.installationId)).map((l) => l.leafIndex);
  const wanted = plan.installationsToAdd.map(toHex).filter((id) => !inTree.has(id));

  const addKeyPackages: KeyPackage[] = [];
  const recipients: WelcomeRecipient[] = [];
  const failed: Uint8Array[] = [];
  if (wanted.length > 0) {
    const response = await api.fetchKeyPackages({ installationKeys: wanted.map((id) => fromHex(id)) });
    for (const [i, installationId] of wanted.entries()) {
      const tls = response.keyPackages[i]?.keyPackageTlsSerialized;
      try {
        if (tls === undefined || tls.length === 0) throw new ParleyError('Mls.InvalidKeyPackage', 'No key package.');
        const kp = await validateXmtpKeyPackage(new Uint8Array(tls), now);
        if (toHex(kp.installationKey) !== installationId) {
          throw new ParleyError('Mls.InvalidKeyPackage', 'The key package belongs to another installation.');
        }
        const recipient: WelcomeRecipient = { installationKey: kp.installationKey, initKey: kp.initKey };
        // libxmtp wraps to the 0xff03 key when the key package offers one (groups/intents.rs welcome_wrapper_algorithm).
        if (kp.welcomeWrapperKey?.algorithm === 'xwing-mlkem768-draft6') {
          // Checked before the commit adds the installation: its welcome is wrapped only after the
          // commit is accepted, when a key nobody can encapsulate to would hold back every welcome.
          if (!(await isUsableXWingPublicKey(kp.welcomeWrapperKey.publicKey))) {
            throw new ParleyError('Mls.InvalidKeyPackage', 'The key package offers an X-Wing key no welcome can be wrapped to.');
          }
          recipient.xwingKey = kp.welcomeWrapperKey.publicKey;
        }
        addKeyPackages.push(kp.keyPackage);
        recipients.push(recipient);
      } catch {
        failed.push(fromHex(installationId));
      }
    }
    const newInboxes = input.addInboxIds.filter((id) => !old.members.has(id));
    if (newInboxes.length > 0 && addKeyPackages.length === 0) {
      // libxmtp FailedToVerifyInstallations: adding inboxes none of whose installations can join.
      throw new ParleyError('Mls.InvalidKeyPackage', 'No installation of the inboxes to add has a valid key package.', {
        details: newInboxes.join(', '),
      });
    }
  }
  const membership = withFailedInstallations(plan.membership, failed);
  return {
    extensions: replaceExtension(extensions, membershipExtension(membership)),
    addKeyPackages,
    recipients,
    removeLeafIndices,
    changed: !plan.isEmpty || addKeyPackages.length > 0 || removeLeafIndices.length > 0,
  };
}
