import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Extension } from 'ts-mls';
import { checkEntryCount, decodeExtensionPayload, EXTENSION_GROUP_MEMBERSHIP, requireExtensionData } from './extensions';
import { GroupMembershipSchema } from './extensionsSchema';

/**
 * XMTP group membership (0xff01, libxmtp groups/group_membership.rs): each member inbox mapped to
 * the identity-update sequence id its installations were last synced at, and the installations
 * a previous commit failed to add (so nobody retries them forever).
 */
export interface GroupMembership {
  members: ReadonlyMap<string, bigint>;
  failedInstallations: readonly Uint8Array[];
}

const WHAT = 'group membership (0xff01)';

export function membershipExtension(membership: GroupMembership): Extension {
  const message = create(GroupMembershipSchema, {
    members: [...membership.members].map(([key, value]) => ({ key, value })),
    failedInstallations: [...membership.failedInstallations],
  });
  return { extensionType: EXTENSION_GROUP_MEMBERSHIP, extensionData: toBinary(GroupMembershipSchema, message) };
}

export function decodeMembership(extensionData: Uint8Array): GroupMembership {
  return decodeExtensionPayload(WHAT, extensionData, (bytes) => {
    const pb = fromBinary(GroupMembershipSchema, bytes, { readUnknownFields: false });
    checkEntryCount(WHAT, pb.members.length + pb.failedInstallations.length);
    const members = new Map<string, bigint>();
    for (const { key, value } of pb.members) members.set(key, value);
    // Copies: the decoder hands out views of the input, which the caller may reuse.
    return { members, failedInstallations: pb.failedInstallations.map((id) => Uint8Array.from(id)) };
  });
}

export function membershipOf(extensions: readonly Extension[]): GroupMembership {
  return decodeMembership(requireExtensionData(extensions, EXTENSION_GROUP_MEMBERSHIP));
}
