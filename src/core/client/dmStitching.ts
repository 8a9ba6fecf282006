import type { ClientStore, ConsentState, GroupRecord } from './store';

/*
 * Several MLS groups can exist for one DM pair (both sides created one at once). libxmtp shows
 * one conversation per pair, the group with the latest activity, and sends there. Parley sends
 * there too (dmSendTarget) but names the pair by one id for good (dmAnchor): the extension keys
 * a site's visible conversations and the dApps' state by conversation id, and libxmtp's choice
 * changes whenever a duplicate becomes the newest. Any group id of the pair leads to the DM.
 */

/**
 * The group new messages of a pair go to: the active one with the latest activity, ties to the
 * greater id — libxmtp's duplicate-DM filter in find_groups (group.rs: `(last_message_ns, id)`
 * greatest per dm_id) and find_active_dm_group (dms.rs). Left groups count only when none is active.
 */
export function dmSendTarget(records: readonly GroupRecord[]): GroupRecord | undefined {
  return newest(records.filter((r) => r.active)) ?? newest(records);
}

/**
 * The group whose id names the pair: the first one this installation had, (createdAtNs, id)
 * least. A duplicate arrives later (its createdAtNs is when it was joined), so the id never moves.
 */
export function dmAnchor(records: readonly GroupRecord[]): GroupRecord | undefined {
  let first: GroupRecord | undefined;
  for (const r of records) {
    if (first === undefined || r.createdAtNs < first.createdAtNs || (r.createdAtNs === first.createdAtNs && r.id < first.id)) first = r;
  }
  return first;
}

/** The pair's latest activity, to order conversation lists. */
export function dmLastActivityNs(records: readonly GroupRecord[]): bigint {
  return records.reduce((max, r) => (r.lastMessageAtNs > max ? r.lastMessageAtNs : max), 0n);
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

/**
 * The consent of a DM pair: the latest decision (allowed or denied) on any of its groups, else
 * unknown. libxmtp keeps DM consent per peer inbox and copies it onto a duplicate
 * (consent_record.rs stitch_dm_consent), so a denied peer stays denied in a DM it makes anew.
 */
export function pairConsent(records: readonly GroupRecord[]): ConsentState {
  let latest: GroupRecord | undefined;
  for (const r of records) {
    if (r.consentState === 'unknown') continue;
    if (latest === undefined || r.consentUpdatedAtNs > latest.consentUpdatedAtNs || (r.consentUpdatedAtNs === latest.consentUpdatedAtNs && r.consentState === 'denied')) latest = r;
  }
  return latest?.consentState ?? 'unknown';
}

/** Each group's consent as its conversation shows it: a DM group's is its pair's. */
export function effectiveConsent(records: readonly GroupRecord[]): Map<string, ConsentState> {
  const pairs = new Map<string, GroupRecord[]>();
  for (const r of records) if (r.kind === 'dm' && r.dmId !== undefined) pairs.set(r.dmId, [...(pairs.get(r.dmId) ?? []), r]);
  const out = new Map<string, ConsentState>();
  for (const r of records) {
    const pair = r.kind === 'dm' && r.dmId !== undefined ? pairs.get(r.dmId) : undefined;
    out.set(r.id, pair === undefined ? r.consentState : pairConsent(pair));
  }
  return out;
}
