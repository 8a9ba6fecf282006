import { ConversationType as ConversationTypePb, GroupMetadataV1 } from '@xmtp/proto/mls/message_contents/group_metadata.pb';
import type { Extension } from 'ts-mls';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { decodeVarLenData, varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { decodeExtensionPayload, EXTENSION_IMMUTABLE_METADATA, malformed, requireExtensionData } from './extensions';

export type ConversationType = 'group' | 'dm' | 'sync' | 'oneshot';

/** The two inboxes of a DM, creator first as libxmtp writes them (order carries no meaning). */
export interface DmMembers {
  memberOne: string;
  memberTwo: string;
}

/**
 * XMTP immutable group metadata (libxmtp xmtp_mls_common group_metadata.rs), fixed at creation:
 * openmls refuses any GroupContextExtensions proposal that changes it (ChangedImmutableMetadata).
 * A oneshot conversation's message is not modelled; Parley never creates one.
 */
export interface GroupMetadata {
  conversationType: ConversationType;
  creatorInboxId: string;
  dmMembers?: DmMembers;
}

const TYPE_TO_PB: Record<ConversationType, ConversationTypePb> = {
  group: ConversationTypePb.CONVERSATION_TYPE_GROUP,
  dm: ConversationTypePb.CONVERSATION_TYPE_DM,
  sync: ConversationTypePb.CONVERSATION_TYPE_SYNC,
  oneshot: ConversationTypePb.CONVERSATION_TYPE_ONESHOT,
};
const PB_TO_TYPE = new Map<number, ConversationType>(
  Object.entries(TYPE_TO_PB).map(([name, value]) => [value, name as ConversationType]),
);

const WHAT = 'immutable metadata (0xf000)';
const encodeVarLen = encode(varLenDataEncoder);

/**
 * 0xf000's data is TLS `Metadata { opaque metadata<V> }` around the protobuf (xmtp/openmls
 * extensions/metadata.rs), unlike the 0xffNN extensions, which hold the bare protobuf.
 */
export function groupMetadataExtension(metadata: GroupMetadata): Extension {
  const proto = GroupMetadataV1.encode({
    conversationType: TYPE_TO_PB[metadata.conversationType],
    creatorAccountAddress: '',
    creatorInboxId: metadata.creatorInboxId,
    dmMembers:
      metadata.dmMembers === undefined
        ? undefined
        : {
            dmMemberOne: { inboxId: metadata.dmMembers.memberOne },
            dmMemberTwo: { inboxId: metadata.dmMembers.memberTwo },
          },
    oneshotMessage: undefined,
  }).finish();
  return { extensionType: EXTENSION_IMMUTABLE_METADATA, extensionData: encodeVarLen(proto) };
}

export function decodeGroupMetadata(extensionData: Uint8Array): GroupMetadata {
  return decodeExtensionPayload(WHAT, extensionData, (bytes) => {
    const wrapped = decodeVarLenData(bytes, 0);
    if (wrapped === undefined) throw malformed(WHAT, 'TLS metadata wrapper does not decode');
    const [proto, length] = wrapped;
    if (length !== bytes.length) throw malformed(WHAT, `${bytes.length - length} trailing bytes`);
    const pb = GroupMetadataV1.decode(proto);
    const conversationType = PB_TO_TYPE.get(pb.conversationType);
    if (conversationType === undefined) throw malformed(WHAT, `conversation type ${pb.conversationType}`);
    const metadata: GroupMetadata = { conversationType, creatorInboxId: pb.creatorInboxId };
    if (pb.dmMembers !== undefined) {
      // libxmtp: DmMembers needs both members (GroupMetadataError::MissingDmMember).
      const { dmMemberOne, dmMemberTwo } = pb.dmMembers;
      if (dmMemberOne === undefined || dmMemberTwo === undefined) throw malformed(WHAT, 'a DM member is missing');
      metadata.dmMembers = { memberOne: dmMemberOne.inboxId, memberTwo: dmMemberTwo.inboxId };
    }
    if (conversationType === 'dm' && metadata.dmMembers === undefined) throw malformed(WHAT, 'a DM without members');
    return metadata;
  });
}

export function groupMetadataOf(extensions: readonly Extension[]): GroupMetadata {
  return decodeGroupMetadata(requireExtensionData(extensions, EXTENSION_IMMUTABLE_METADATA));
}
