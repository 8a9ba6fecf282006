import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Extension } from 'ts-mls';
import {
  checkEntryCount,
  decodeExtensionPayload,
  EXTENSION_MUTABLE_METADATA,
  malformed,
  requireExtensionData,
} from './extensions';
import { GroupMutableMetadataSchema } from './extensionsSchema';

/** Attribute keys libxmtp knows (xmtp_mls_common group_mutable_metadata.rs, MetadataField). */
export const METADATA_FIELD = {
  groupName: 'group_name',
  description: 'description',
  groupImageUrlSquare: 'group_image_url_square',
  messageDisappearFromNs: 'message_disappear_from_ns',
  messageDisappearInNs: 'message_disappear_in_ns',
  minimumSupportedProtocolVersion: 'minimum_supported_protocol_version',
  /** Its "_" prefix makes an unlisted field super-admin only (SUPER_ADMIN_METADATA_PREFIX). */
  commitLogSigner: '_commit_log_signer',
  appData: 'app_data',
} as const;

/**
 * Longest value, in UTF-8 bytes, libxmtp accepts for these keys (groups/mod.rs MAX_*_LENGTH);
 * a commit setting a longer one fails its validation (TooManyCharacters).
 */
export const METADATA_MAX_BYTES: ReadonlyMap<string, number> = new Map([
  [METADATA_FIELD.groupName, 100],
  [METADATA_FIELD.description, 1000],
  [METADATA_FIELD.groupImageUrlSquare, 2048],
  [METADATA_FIELD.appData, 8192],
]);

/** The byte limit `value` exceeds for `key`, or undefined when libxmtp would accept it. */
export function overlongAttribute(key: string, value: string): number | undefined {
  const max = METADATA_MAX_BYTES.get(key);
  if (max === undefined) return undefined;
  return new TextEncoder().encode(value).length > max ? max : undefined;
}

/**
 * XMTP mutable group metadata (0xff00): string attributes plus the admin and super-admin inbox
 * lists. Attributes keep unknown keys, since newer clients add fields and policies cover them.
 */
export interface GroupMutableMetadata {
  attributes: ReadonlyMap<string, string>;
  adminList: readonly string[];
  superAdminList: readonly string[];
}

const WHAT = 'mutable metadata (0xff00)';

export function mutableMetadataExtension(metadata: GroupMutableMetadata): Extension {
  const message = create(GroupMutableMetadataSchema, {
    attributes: [...metadata.attributes].map(([key, value]) => ({ key, value })),
    // libxmtp always writes both lists and refuses metadata without them (MissingMetadataField).
    adminList: { inboxIds: [...metadata.adminList] },
    superAdminList: { inboxIds: [...metadata.superAdminList] },
  });
  return { extensionType: EXTENSION_MUTABLE_METADATA, extensionData: toBinary(GroupMutableMetadataSchema, message) };
}

export function decodeMutableMetadata(extensionData: Uint8Array): GroupMutableMetadata {
  return decodeExtensionPayload(WHAT, extensionData, (bytes) => {
    const pb = fromBinary(GroupMutableMetadataSchema, bytes, { readUnknownFields: false });
    if (pb.adminList === undefined || pb.superAdminList === undefined) throw malformed(WHAT, 'an admin list is missing');
    checkEntryCount(WHAT, pb.attributes.length + pb.adminList.inboxIds.length + pb.superAdminList.inboxIds.length);
    // Protobuf map semantics, as prost's HashMap applies them: the last entry for a key wins.
    const attributes = new Map<string, string>();
    for (const { key, value } of pb.attributes) attributes.set(key, value);
    return { attributes, adminList: pb.adminList.inboxIds, superAdminList: pb.superAdminList.inboxIds };
  });
}

export function mutableMetadataOf(extensions: readonly Extension[]): GroupMutableMetadata {
  return decodeMutableMetadata(requireExtensionData(extensions, EXTENSION_MUTABLE_METADATA));
}
