import { bytesToHex } from '@noble/hashes/utils.js';
import { ParleyError } from '../errors';
import { installationKeys, type AssociationState } from '../identity';

/**
 * What a change of the group membership map (0xff01: inbox → identity-update sequence id) means
 * for the MLS tree, as libxmtp v1.10.0 works it out: GroupMembership::diff
 * (xmtp_mls/src/groups/group_membership.rs) for the inboxes, and
 * IdentityUpdates::get_installation_diff (xmtp_mls/src/identity_updates.rs) for the
 * installations. Both the committer (to build an Add/Remove commit) and every receiver (to check
 * one, validateCommit.ts) compute it, so both must agree bit for bit.
 */

/**
 * The inbox's association state right after its identity update whose sequence id is exactly
 * `sequenceId` (libxmtp get_association_state with `to_sequence_id`, which refuses any other id:
 * MissingIdentityUpdate); undefined when the inbox has no update with that id. The caller fetches
 * the updates (GetIdentityUpdates), verifies and replays them (identity/applyIdentityUpdate), and
 * should cache: a validation asks for the same pair more than once. What it throws (network, bad
 * log) propagates unchanged.
 */
export type IdentityStateAt = (inboxId: string, sequenceId: bigint) => Promise<AssociationState | undefined>;

export interface MembershipDiff {
  /** In the new map, not the old; in the new map's order. */
  addedInboxes: string[];
  /** In the old map, not the new; in the old map's order. */
  removedInboxes: string[];
  /** In both, with another sequence id (libxmtp `updated_inboxes`; it may only grow). */
  updatedInboxes: string[];
  /** Installation keys the membership change brings in: present at the new sequence id, not at the old. */
  installationsToAdd: Uint8Array[];
  /** Installation keys it takes out: those of removed inboxes, and those an updated inbox revoked. */
  installationsToRemove: Uint8Array[];
}

export interface MembershipDiffInput {
  oldMembership: ReadonlyMap<string, bigint>;
  newMembership: ReadonlyMap<string, bigint>;
  identityStateAt: IdentityStateAt;
}

/** An ordered set of installation keys, compared by value. */
export class InstallationSet {
  private readonly keys = new Map<string, Uint8Array>();

  constructor(keys: Iterable<Uint8Array> = []) {
    for (const key of keys) this.add(key);
  }

  add(key: Uint8Array): void {
    const hex = bytesToHex(key);
    if (!this.keys.has(hex)) this.keys.set(hex, key);
  }

  delete(key: Uint8Array): void {
    this.keys.delete(bytesToHex(key));
  }

  has(key: Uint8Array): boolean {
    return this.keys.has(bytesToHex(key));
  }

  get size(): number {
    return this.keys.size;
  }

  values(): Uint8Array[] {
    return [...this.keys.values()];
  }
}

/**
 * The inbox's installation keys at `sequenceId`; Mls.IdentityStateMissing when it has no update
 * with that id. Like libxmtp, a membership entry must name a real update: it fails on 0 as well.
 */
export async function installationsAt(
  identityStateAt: IdentityStateAt,
  inboxId: string,
  sequenceId: bigint,
): Promise<InstallationSet> {
  const state = await identityStateAt(inboxId, sequenceId);
  if (state === undefined) {
    // libxmtp treats this as retryable: the node may not have served that update yet.
    throw new ParleyError('Mls.IdentityStateMissing', 'The group membership names an identity update that cannot be found.', {
      details: `inbox ${inboxId} has no identity update with sequence id ${sequenceId}`,
    });
  }
  return new InstallationSet(installationKeys(state));
}

/**
 * The starting point of an inbox's diff: nothing for a new inbox, or for sequence id 0, which
 * libxmtp's get_installation_diff reads as "from the beginning" (a new group lists its creator
 * at 0 until the first membership commit brings it up to date).
 */
async function installationsBefore(
  identityStateAt: IdentityStateAt,
  inboxId: string,
  sequenceId: bigint | undefined,
): Promise<InstallationSet> {
  if (sequenceId === undefined || sequenceId === 0n) return new InstallationSet();
  return installationsAt(identityStateAt, inboxId, sequenceId);
}

/** The inbox-level part of the diff: no identity lookups (GroupMembership::diff). */
export function diffInboxes(
  oldMembership: ReadonlyMap<string, bigint>,
  newMembership: ReadonlyMap<string, bigint>,
): Pick<MembershipDiff, 'addedInboxes' | 'removedInboxes' | 'updatedInboxes'> {
  const removedInboxes: string[] = [];
  const updatedInboxes: string[] = [];
  for (const [inboxId, sequenceId] of oldMembership) {
    const next = newMembership.get(inboxId);
    if (next === undefined) removedInboxes.push(inboxId);
    else if (next !== sequenceId) updatedInboxes.push(inboxId);
  }
  const addedInboxes = [...newMembership.keys()].filter((inboxId) => !oldMembership.has(inboxId));
  return { addedInboxes, removedInboxes, updatedInboxes };
}

/**
 * The inboxes and installations a membership change adds and removes. Added and updated inboxes
 * contribute the difference between their states at the old sequence id (nothing for a new inbox
 * or an old 0) and the new one; a removed inbox contributes every installation it had at its old
 * sequence id. Mls.IdentityStateMissing when an entry it needs names no identity update.
 * Like libxmtp the two sets are built independently: a key listed under two inboxes could land in
 * both. Lookups run concurrently; the caller's identityStateAt decides how to pace the network.
 */
export async function membershipDiff(input: MembershipDiffInput): Promise<MembershipDiff> {
  const { oldMembership, newMembership, identityStateAt } = input;
  const inboxes = diffInboxes(oldMembership, newMembership);
  const toAdd = new InstallationSet();
  const toRemove = new InstallationSet();

  const changed = await Promise.all(
    [...newMembership]
      .filter(([inboxId, sequenceId]) => oldMembership.get(inboxId) !== sequenceId)
      .map(async ([inboxId, sequenceId]) => {
        const [before, after] = await Promise.all([
          installationsBefore(identityStateAt, inboxId, oldMembership.get(inboxId)),
          installationsAt(identityStateAt, inboxId, sequenceId),
        ]);
        return { before, after };
      }),
  );
  for (const { before, after } of changed) {
    for (const key of after.values()) if (!before.has(key)) toAdd.add(key);
    for (const key of before.values()) if (!after.has(key)) toRemove.add(key);
  }

  const removed = await Promise.all(
    [...oldMembership]
      .filter(([inboxId]) => !newMembership.has(inboxId))
      .map(([inboxId, sequenceId]) => installationsAt(identityStateAt, inboxId, sequenceId)),
  );
  for (const installations of removed) for (const key of installations.values()) toRemove.add(key);

  return { ...inboxes, installationsToAdd: toAdd.values(), installationsToRemove: toRemove.values() };
}
