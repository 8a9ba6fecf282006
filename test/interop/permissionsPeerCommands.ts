import type { Peer } from './peer';

// The driver's role and permission commands (test/interop/peer/driver.mjs), typed.

export type PeerAdminAction = 'addAdmin' | 'removeAdmin' | 'addSuperAdmin' | 'removeSuperAdmin';
export type PeerPolicy = 'allow' | 'deny' | 'admin' | 'superAdmin' | 'doesNotExist' | 'other';

/** node-sdk's listAdmins(), listSuperAdmins() and permissions(), policies by name. */
export interface PeerRoles {
  admins: string[];
  superAdmins: string[];
  policyType: 'default' | 'admin_only' | 'custom';
  policySet: {
    addMemberPolicy: PeerPolicy;
    removeMemberPolicy: PeerPolicy;
    addAdminPolicy: PeerPolicy;
    removeAdminPolicy: PeerPolicy;
    updateGroupNamePolicy: PeerPolicy;
    updateGroupDescriptionPolicy: PeerPolicy;
    updateGroupImageUrlSquarePolicy: PeerPolicy;
    updateMessageDisappearingPolicy: PeerPolicy;
    updateAppDataPolicy: PeerPolicy;
  };
}

/** group.addAdmin / removeAdmin / addSuperAdmin / removeSuperAdmin(inboxId) on the peer. */
export function updateAdminList(peer: Peer, conversationId: string, action: PeerAdminAction, inboxId: string): Promise<true> {
  return peer.call('updateAdminList', { conversationId, action, inboxId });
}

/** group.updatePermission(type, policy, field?) on the peer. */
export function updatePermission(
  peer: Peer,
  conversationId: string,
  change: { update: 'addMember' | 'removeMember' | 'addAdmin' | 'removeAdmin' | 'updateMetadata'; option: 'allow' | 'deny' | 'admin' | 'superAdmin'; field?: string },
): Promise<true> {
  return peer.call('updatePermission', { conversationId, ...change });
}

export function roles(peer: Peer, conversationId: string): Promise<PeerRoles> {
  return peer.call('roles', { conversationId });
}
