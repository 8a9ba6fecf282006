import { fromHex, toHex } from './bytes';
import { dmGroupsOf, effectiveConsent } from './dmStitching';
import { hmacEpoch, senderHmacKey } from './senderHmac';
import type { ClientStore, GroupRecord } from './store';

/** One 30-day period's push-filter key of a group (node-sdk HmacKey). */
export interface HmacKey {
  /** 30-day periods since the Unix epoch (libxmtp utils/mod.rs hmac_epoch). */
  epoch: bigint;
  /** 42 bytes: HMAC-SHA256 under it of a message's payload is its sender_hmac. */
  key: Uint8Array;
}

/** Push-filter keys by hex group id (node-sdk's `Record<string, HmacKey[]>`). */
export type HmacKeysByGroup = Record<string, HmacKey[]>;

/**
 * A group's keys for the previous, current and next 30-day periods, as libxmtp hands them to a
 * push server (bindings/node conversation/hmac_key.rs: `hmac_keys(-1..=1)`; the derivation is
 * mls_sync.rs hmac_keys, see senderHmac.ts), so messages sent near a period's edge still match.
 */
export function groupHmacKeys(root: Uint8Array, groupId: string, now: Date): HmacKey[] {
  const current = hmacEpoch(now);
  const id = fromHex(groupId);
  return [current - 1n, current, current + 1n].map((epoch) => ({ epoch, key: senderHmacKey(root, id, epoch) }));
}

/**
 * Every conversation's keys (libxmtp bindings/node conversations/hmac_key.rs): each group,
 * duplicate DM groups included, denied ones left out (find_groups' default consent filter is
 * allowed or unknown; a DM group's consent is its pair's, as libxmtp stitches DM consent).
 */
export async function conversationsHmacKeys(store: ClientStore, root: Uint8Array, now: Date): Promise<HmacKeysByGroup> {
  const records = await store.listGroups();
  const consent = effectiveConsent(records);
  const out: HmacKeysByGroup = {};
  for (const record of records) {
    if ((consent.get(record.id) ?? record.consentState) === 'denied') continue;
    out[record.id] = groupHmacKeys(root, record.id, now);
  }
  return out;
}

/**
 * One conversation's keys (libxmtp bindings/node conversation/hmac_key.rs): its group and, for a
 * DM, every duplicate group of the pair, whatever their consent, since a push for any of them
 * belongs to this conversation.
 */
export async function conversationHmacKeys(store: ClientStore, root: Uint8Array, record: GroupRecord, now: Date): Promise<HmacKeysByGroup> {
  const groups = record.kind === 'dm' && record.dmId !== undefined ? await dmGroupsOf(store, record.dmId) : [record];
  const out: HmacKeysByGroup = {};
  for (const group of groups) out[group.id] = groupHmacKeys(root, group.id, now);
  out[record.id] ??= groupHmacKeys(root, record.id, now);
  return out;
}

/** The topic a push server subscribes a group's messages by (libxmtp browser-sdk Conversation.ts topic). */
export function groupMessageTopic(groupId: string): string {
  return `/xmtp/mls/1/g-${groupId}/proto`;
}

/** One group's keys as plain JSON (the RPC's and the CLI's shape): epochs as numbers, keys hex. */
export interface GroupHmacKeysJson {
  conversationId: string;
  groupId: string;
  topic: string;
  keys: { epoch: number; key: string }[];
}

/** A conversation's keys by group, as JSON, in group id order. */
export function hmacKeysJson(conversationId: string, keys: HmacKeysByGroup): GroupHmacKeysJson[] {
  return Object.keys(keys)
    .sort()
    .map((groupId) => ({
      conversationId,
      groupId,
      topic: groupMessageTopic(groupId),
      keys: (keys[groupId] ?? []).map((k) => ({ epoch: Number(k.epoch), key: toHex(k.key) })),
    }));
}
