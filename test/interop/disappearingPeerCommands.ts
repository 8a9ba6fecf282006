import type { Peer } from './peer';

// The driver's disappearing-message commands (test/interop/peer/driver.mjs), typed.

/** node-sdk's MessageDisappearingSettings as the driver returns them (bigints as decimal strings). */
export interface PeerDisappearing {
  settings: { fromNs: string; inNs: string } | null;
  enabled: boolean;
}

/** conversation.updateMessageDisappearingSettings(fromNs, inNs) on the peer. */
export function updateDisappearing(peer: Peer, conversationId: string, fromNs: bigint, inNs: bigint): Promise<true> {
  return peer.call('updateDisappearing', { conversationId, fromNs: fromNs.toString(), inNs: inNs.toString() });
}

/** messageDisappearingSettings() and isMessageDisappearingEnabled() on the peer. */
export function disappearing(peer: Peer, conversationId: string): Promise<PeerDisappearing> {
  return peer.call('disappearing', { conversationId });
}
