import type { Peer } from './peer';

// The driver's push-filter commands (test/interop/peer/driver.mjs), typed.

/** node-sdk's HmacKey as the driver sends it: epoch a decimal string, key hex. */
export interface PeerHmacKey {
  epoch: string;
  key: string;
}

/** conversations.hmacKeys(), or conversation.hmacKeys() of one conversation, by hex group id. */
export function peerHmacKeys(peer: Peer, conversationId?: string): Promise<Record<string, PeerHmacKey[]>> {
  return peer.call('hmacKeys', conversationId === undefined ? {} : { conversationId });
}

/** Starts collecting the HMAC roots device sync delivers (preferences.streamPreferences). */
export function startPreferenceStream(peer: Peer): Promise<true> {
  return peer.call('startPreferenceStream', {});
}

/** The hex HMAC roots streamed so far, oldest first. */
export function hmacRootUpdates(peer: Peer): Promise<string[]> {
  return peer.call('hmacRootUpdates', {});
}

/** client.syncAllDeviceSyncGroups(). */
export function syncDeviceSyncGroups(peer: Peer): Promise<true> {
  return peer.call('syncDeviceSyncGroups', {});
}

/** conversation.updateConsentState(Denied) on the peer. */
export function denyConversation(peer: Peer, conversationId: string): Promise<true> {
  return peer.call('denyConversation', { conversationId });
}
