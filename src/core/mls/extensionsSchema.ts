import { create, createFileRegistry, type Message, type MessageInitShape } from '@bufbuild/protobuf';
import { messageDesc, type GenMessage } from '@bufbuild/protobuf/codegenv2';
import {
  type DescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  type FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';

/**
 * Runtime protobuf schema for the XMTP group-context extensions that carry maps, and for the
 * permission policies that @xmtp/proto 3.96.0 does not ship (xmtp/proto
 * mls/message_contents/group_mutable_metadata.proto, group_membership.proto,
 * group_permissions.proto). @bufbuild/protobuf interprets it: no generated or hand-written codec,
 * and, unlike protobufjs reflection, no `new Function`, which an MV3 service worker's CSP refuses.
 *
 * Every `map<string, V>` is declared as its wire form, `repeated Entry { key = 1; value = 2 }`
 * (protobuf spec, "Maps: backwards compatibility"). Decoders that fill a plain object drop a key
 * named "__proto__" without a word; libxmtp (prost, a HashMap) sees it, so a hostile member could
 * change an attribute Parley never noticed. As entries, every key reaches our policy checks.
 * Enums are declared as their int32 wire form; the codecs map the values.
 */

const PACKAGE = 'xmtp.mls.message_contents';
const FILE_NAME = 'parley/xmtp_group_context.proto';

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;
type MessageInit = MessageInitShape<typeof DescriptorProtoSchema>;

function field(
  name: string,
  number: number,
  type: Type,
  opts: { repeated?: boolean; typeName?: string; oneofIndex?: number } = {},
): FieldInit {
  return {
    name,
    number,
    type,
    label: opts.repeated ? Label.REPEATED : Label.OPTIONAL,
    ...(opts.typeName !== undefined ? { typeName: `.${PACKAGE}.${opts.typeName}` } : {}),
    ...(opts.oneofIndex !== undefined ? { oneofIndex: opts.oneofIndex } : {}),
  };
}

/** MembershipPolicy, MetadataPolicy and PermissionsUpdatePolicy share one shape. */
function policyMessage(name: string): MessageInit {
  const policies = [field('policies', 1, Type.MESSAGE, { repeated: true, typeName: name })];
  return {
    name,
    field: [
      field('base', 1, Type.INT32, { oneofIndex: 0 }),
      field('and_condition', 2, Type.MESSAGE, { typeName: `${name}.AndCondition`, oneofIndex: 0 }),
      field('any_condition', 3, Type.MESSAGE, { typeName: `${name}.AnyCondition`, oneofIndex: 0 }),
    ],
    nestedType: [
      { name: 'AndCondition', field: policies },
      { name: 'AnyCondition', field: policies },
    ],
    oneofDecl: [{ name: 'kind' }],
  };
}

const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: FILE_NAME,
    package: PACKAGE,
    syntax: 'proto3',
    messageType: [
      { name: 'Inboxes', field: [field('inbox_ids', 1, Type.STRING, { repeated: true })] },
      {
        name: 'GroupMutableMetadataV1',
        field: [
          field('attributes', 1, Type.MESSAGE, { repeated: true, typeName: 'StringEntry' }),
          field('admin_list', 2, Type.MESSAGE, { typeName: 'Inboxes' }),
          field('super_admin_list', 3, Type.MESSAGE, { typeName: 'Inboxes' }),
        ],
      },
      { name: 'StringEntry', field: [field('key', 1, Type.STRING), field('value', 2, Type.STRING)] },
      {
        name: 'GroupMembership',
        field: [
          field('members', 1, Type.MESSAGE, { repeated: true, typeName: 'Uint64Entry' }),
          field('failed_installations', 2, Type.BYTES, { repeated: true }),
        ],
      },
      { name: 'Uint64Entry', field: [field('key', 1, Type.STRING), field('value', 2, Type.UINT64)] },
      {
        name: 'GroupMutablePermissionsV1',
        field: [field('policies', 1, Type.MESSAGE, { typeName: 'PolicySet' })],
      },
      {
        name: 'PolicySet',
        field: [
          field('add_member_policy', 1, Type.MESSAGE, { typeName: 'MembershipPolicy' }),
          field('remove_member_policy', 2, Type.MESSAGE, { typeName: 'MembershipPolicy' }),
          field('update_metadata_policy', 3, Type.MESSAGE, { repeated: true, typeName: 'MetadataPolicyEntry' }),
          field('add_admin_policy', 4, Type.MESSAGE, { typeName: 'PermissionsUpdatePolicy' }),
          field('remove_admin_policy', 5, Type.MESSAGE, { typeName: 'PermissionsUpdatePolicy' }),
          field('update_permissions_policy', 6, Type.MESSAGE, { typeName: 'PermissionsUpdatePolicy' }),
        ],
      },
      {
        name: 'MetadataPolicyEntry',
        field: [field('key', 1, Type.STRING), field('value', 2, Type.MESSAGE, { typeName: 'MetadataPolicy' })],
      },
      policyMessage('MembershipPolicy'),
      policyMessage('MetadataPolicy'),
      policyMessage('PermissionsUpdatePolicy'),
    ],
  }),
  () => undefined,
);
const descFile = registry.getFile(FILE_NAME);
if (descFile === undefined) throw new Error('group-context schema did not register');

// Runtime shapes, in the form @bufbuild/protobuf's generator would emit them.

export type InboxesPb = Message<'xmtp.mls.message_contents.Inboxes'> & { inboxIds: string[] };
export type StringEntryPb = Message<'xmtp.mls.message_contents.StringEntry'> & { key: string; value: string };
export type GroupMutableMetadataPb = Message<'xmtp.mls.message_contents.GroupMutableMetadataV1'> & {
  attributes: StringEntryPb[];
  adminList?: InboxesPb;
  superAdminList?: InboxesPb;
};
export type Uint64EntryPb = Message<'xmtp.mls.message_contents.Uint64Entry'> & { key: string; value: bigint };
export type GroupMembershipPb = Message<'xmtp.mls.message_contents.GroupMembership'> & {
  members: Uint64EntryPb[];
  failedInstallations: Uint8Array[];
};

/** The oneof shared by the three policy messages; nested conditions are typed structurally. */
export type PolicyKindPb =
  | { case: 'base'; value: number }
  | { case: 'andCondition'; value: { policies: { kind: PolicyKindPb }[] } }
  | { case: 'anyCondition'; value: { policies: { kind: PolicyKindPb }[] } }
  | { case: undefined; value?: undefined };
export type MembershipPolicyPb = Message<'xmtp.mls.message_contents.MembershipPolicy'> & { kind: PolicyKindPb };
export type MetadataPolicyPb = Message<'xmtp.mls.message_contents.MetadataPolicy'> & { kind: PolicyKindPb };
export type PermissionsUpdatePolicyPb = Message<'xmtp.mls.message_contents.PermissionsUpdatePolicy'> & {
  kind: PolicyKindPb;
};
export type MetadataPolicyEntryPb = Message<'xmtp.mls.message_contents.MetadataPolicyEntry'> & {
  key: string;
  value?: MetadataPolicyPb;
};
export type PolicySetPb = Message<'xmtp.mls.message_contents.PolicySet'> & {
  addMemberPolicy?: MembershipPolicyPb;
  removeMemberPolicy?: MembershipPolicyPb;
  updateMetadataPolicy: MetadataPolicyEntryPb[];
  addAdminPolicy?: PermissionsUpdatePolicyPb;
  removeAdminPolicy?: PermissionsUpdatePolicyPb;
  updatePermissionsPolicy?: PermissionsUpdatePolicyPb;
};
export type GroupMutablePermissionsPb = Message<'xmtp.mls.message_contents.GroupMutablePermissionsV1'> & {
  policies?: PolicySetPb;
};

// Indexes follow the order of messageType above.
export const GroupMutableMetadataSchema: GenMessage<GroupMutableMetadataPb> = messageDesc(descFile, 1);
export const GroupMembershipSchema: GenMessage<GroupMembershipPb> = messageDesc(descFile, 3);
export const GroupMutablePermissionsSchema: GenMessage<GroupMutablePermissionsPb> = messageDesc(descFile, 5);
