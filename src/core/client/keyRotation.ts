import type { ClientState } from 'ts-mls';
import { bytesEqual } from '../mls/bytesEqual';
import { groupLeaves, leafNodeAt } from './groupLeaves';
import type { GroupRecord } from './store';

const NS_PER_DAY = 24n * 60n * 60n * 1_000_000_000n;

/**
 * When this installation replaces its own keys (post-compromise security). libxmtp 1.11
 * (crates/xmtp_configuration/src/common/mls.rs, crates/xmtp_mls/src/groups/intents/queue.rs)
 * self-updates a group's leaf before a send once GROUP_KEY_ROTATION_INTERVAL_NS (30 days) passed
 * since its last commit there, a group joined by welcome counting as never rotated; and it
 * uploads a new key package after each welcome and every KEY_PACKAGE_ROTATION_INTERVAL_NS
 * (30 days). Parley's defaults are tighter.
 */
export interface KeyRotationPolicy {
  /** Self-update a group's leaf before a send (or at a sync, when the group is allowed) once our last update is this old. */
  intervalNs: bigint;
  /** ... or once this many messages were sent to the group since it (0: no count limit). */
  maxMessages: number;
  /** Self-update right after joining a group by welcome (unless the group is denied). */
  afterWelcome: boolean;
  /** Upload a new key package once the newest is this old. */
  keyPackageIntervalNs: bigint;
}

export const DEFAULT_KEY_ROTATION: KeyRotationPolicy = {
  intervalNs: 7n * NS_PER_DAY,
  maxMessages: 100,
  afterWelcome: true,
  keyPackageIntervalNs: 30n * NS_PER_DAY,
};

/** libxmtp's own values, for comparison and tests. */
export const LIBXMTP_GROUP_KEY_ROTATION_INTERVAL_NS = 30n * NS_PER_DAY;

/**
 * When our leaf in the group was last replaced: a commit of ours with an UpdatePath, the group's
 * creation (a fresh leaf), or 0 for a group joined by welcome (its leaf came from a key package
 * that may have been shared by other welcomes). Records written before this field count from the
 * group's creation.
 */
export function keysRotatedAtNs(record: GroupRecord): bigint {
  return record.keysRotatedAtNs ?? record.createdAtNs;
}

/** Whether the policy asks for a self-update now. `counting`: whether the message count counts (at a send). */
export function keyRotationDue(record: GroupRecord, policy: KeyRotationPolicy, nowNs: bigint, counting: boolean): boolean {
  if (nowNs - keysRotatedAtNs(record) > policy.intervalNs) return true;
  return counting && policy.maxMessages > 0 && (record.sentSinceKeyRotation ?? 0) >= policy.maxMessages;
}

/** The record after a commit of ours replaced our leaf. */
export function withKeysRotated(record: GroupRecord, nowNs: bigint): GroupRecord {
  return { ...record, keysRotatedAtNs: nowNs, sentSinceKeyRotation: 0 };
}

/** Whether `after` holds a new encryption key for our own leaf (the commit carried an UpdatePath). */
export function ownLeafKeyChanged(before: ClientState, after: ClientState, installationId: string): boolean {
  const leaf = groupLeaves(before).find((l) => l.installationId === installationId);
  if (leaf === undefined) return false;
  const old = leafNodeAt(before.ratchetTree, leaf.leafIndex);
  const fresh = leafNodeAt(after.ratchetTree, leaf.leafIndex);
  return old !== undefined && fresh !== undefined && !bytesEqual(old.hpkePublicKey, fresh.hpkePublicKey);
}
