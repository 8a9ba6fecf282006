import type { ClientStore, GroupRecord } from './store';

/**
 * The group that stands for a DM pair when several exist (both sides created one at once): the
 * active one with the latest activity, ties to the greater id — libxmtp's duplicate-DM filter in
 * find_groups (group.rs: `(last_message_ns, id)` greatest per dm_id) and find_active_dm_group
 * (dms.rs). Left groups count only when none is active, so a pair still shows up after leaving.
 */
export function stitchedDm(records: readonly GroupRecord[]): GroupRecord | undefined {
  return newest(records.filter((r) => r.active)) ?? newest(records);
}

function newest(records: readonly GroupRecord[]): GroupRecord | undefined {
  let best: GroupRecord | undefined;
  for (const r of records) {
    if (best === undefined || r.lastMessageAtNs > best.lastMessageAtNs || (r.lastMessageAtNs === best.lastMessageAtNs && r.id > best.id)) best = r;
  }
  return best;
}

/** Every DM group of one pair (libxmtp other_dms plus the group itself). */
export function dmGroupsOf(store: ClientStore, dmId: string): Promise<GroupRecord[]> {
  return store.listGroups({ kind: 'dm', dmId });
}
