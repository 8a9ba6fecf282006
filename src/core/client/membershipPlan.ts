import type { ClientState, Extension, KeyPackage } from 'ts-mls';
import type { NetworkApi } from '../api/networkApi';
import { ParleyError } from '../errors';
import { replaceExtension } from '../mls/extensions';
import { membershipExtension, membershipOf } from '../mls/extensionsMembership';
import { validateXmtpKeyPackage } from '../mls/keyPackageValidate';
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
 * THE call site for the membership diff: from the desired change and the identity logs, which
 * installations to add and remove and the new membership map (libxmtp mls_sync.rs
 * get_membership_update_intent + calculate_membership_changes_with_keypackages, and
 * identity_updates.rs get_installation_diff). Every existing member is brought to its newest
 * sequence id too, so a member's new installations join and revoked ones leave with any change
 * (libxmtp "add missing installations"). Key packages that fail validation are recorded as failed
 * installations, as libxmtp does, rather than blocking the commit.
 */
export async function planMembershipUpdate(input: MembershipPlanInput): Promise<MembershipPlan> {
  const { api, directory, state, now } = input;
  const extensions = state.groupContext.extensions;
  const old = membershipOf(extensions);
  const removing = new Set(input.removeInboxIds);
  const candidates = [...new Set([...old.members.keys(), ...input.addInboxIds])].filter((id) => !removing.has(id));
  await directory.refresh(candidates);

  const members = new Map(old.members);
  const changedInboxes: string[] = [];
  for (const inboxId of candidates) {
    const latest = await directory.latestSequenceId(inboxId, false);
    if (latest === 0n) {
      throw new ParleyError('Client.NoInbox', 'An inbox to add has no identity updates on the network.', { details: inboxId });
    }
    const current = old.members.get(inboxId);
    if (current === undefined || latest > current) {
      members.set(inboxId, latest);
      changedInboxes.push(inboxId);
    }
  }
  for (const inboxId of removing) members.delete(inboxId);

  const added = new Set<string>();
  const removed = new Set<string>();
  for (const inboxId of changedInboxes) {
    const current = old.members.get(inboxId);
    const before = current === undefined || current === 0n ? new Set<string>() : await directory.installationsAt(inboxId, current);
    const after = await directory.installationsAt(inboxId, members.get(inboxId));
    for (const id of after) if (!before.has(id)) added.add(id);
    for (const id of before) if (!after.has(id)) removed.add(id);
  }
  for (const inboxId of removing) {
    if (!old.members.has(inboxId)) continue;
    for (const id of await directory.installationsAt(inboxId, old.members.get(inboxId))) removed.add(id);
  }

  const leaves = groupLeaves(state);
  const inTree = new Set(leaves.map((l) => l.installationId));
  added.delete(input.ownInstallationId);
  for (const id of inTree) added.delete(id);
  for (const inboxId of removing) for (const l of leaves) if (l.inboxId === inboxId) removed.add(l.installationId);
  const removeLeafIndices = leaves.filter((l) => removed.has(l.installationId)).map((l) => l.leafIndex);
  if (leaves.some((l) => l.installationId === input.ownInstallationId && removed.has(l.installationId))) {
    throw new ParleyError('Client.BadInput', 'A member cannot remove its own installation with a membership change.');
  }

  const addKeyPackages: KeyPackage[] = [];
  const recipients: WelcomeRecipient[] = [];
  const failed = new Map(old.failedInstallations.map((k) => [toHex(k), k]));
  const wanted = [...added];
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
        addKeyPackages.push(kp.keyPackage);
        recipients.push({ installationKey: kp.installationKey, initKey: kp.initKey });
        failed.delete(installationId);
      } catch {
        // libxmtp records installations whose key package does not verify, so no member retries them.
        failed.set(installationId, fromHex(installationId));
      }
    }
    const addedInboxIds = new Set(input.addInboxIds);
    const addedAny = addKeyPackages.length > 0;
    if (addedInboxIds.size > 0 && !addedAny && [...addedInboxIds].some((id) => !old.members.has(id))) {
      throw new ParleyError('Mls.InvalidKeyPackage', 'No installation of the inboxes to add has a valid key package.', {
        details: [...addedInboxIds].join(', '),
      });
    }
  }
  for (const id of removed) failed.delete(id);

  const membershipChanged = changedInboxes.length > 0 || [...removing].some((id) => old.members.has(id));
  const changed = membershipChanged || addKeyPackages.length > 0 || removeLeafIndices.length > 0;
  return {
    extensions: replaceExtension(extensions, membershipExtension({ members, failedInstallations: [...failed.values()] })),
    addKeyPackages,
    recipients,
    removeLeafIndices,
    changed,
  };
}
