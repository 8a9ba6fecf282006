import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Extension } from 'ts-mls';
import {
  checkEntryCount,
  decodeExtensionPayload,
  EXTENSION_GROUP_PERMISSIONS,
  malformed,
  requireExtensionData,
} from './extensions';
import { GroupMutablePermissionsSchema, type PolicyKindPb } from './extensionsSchema';
import type {
  MembershipBase,
  MetadataBase,
  MetadataPolicy,
  PermissionsBase,
  Policy,
  PolicySet,
} from './policies';

const WHAT = 'permissions (0xff02)';

/**
 * Deepest and/any nesting we accept. libxmtp's prost stops at 100 nested messages; honest policy
 * sets nest once or not at all, and the evaluator recurses over what we accept.
 */
export const MAX_POLICY_DEPTH = 16;

// Wire numbers of each base enum (group_permissions.proto); 0 is UNSPECIFIED, which libxmtp rejects.
const MEMBERSHIP_BASES: readonly MembershipBase[] = ['allow', 'deny', 'allowIfAdmin', 'allowIfSuperAdmin'];
const METADATA_BASES: readonly MetadataBase[] = ['allow', 'deny', 'allowIfAdmin', 'allowIfSuperAdmin'];
const PERMISSIONS_BASES: readonly PermissionsBase[] = ['deny', 'allowIfAdmin', 'allowIfSuperAdmin'];

/** The wire shape common to the three policy messages. */
type PolicyWire = { kind: PolicyKindPb };

function policyToWire<B extends string>(policy: Policy<B>, bases: readonly B[]): PolicyWire {
  if ('base' in policy) return { kind: { case: 'base', value: bases.indexOf(policy.base) + 1 } };
  const policies = ('and' in policy ? policy.and : policy.any).map((p) => policyToWire(p, bases));
  return 'and' in policy
    ? { kind: { case: 'andCondition', value: { policies } } }
    : { kind: { case: 'anyCondition', value: { policies } } };
}

function policyFromWire<B extends string>(
  wire: PolicyWire | undefined,
  bases: readonly B[],
  name: string,
  depth = 0,
): Policy<B> {
  if (depth > MAX_POLICY_DEPTH) throw malformed(WHAT, `${name} nests deeper than ${MAX_POLICY_DEPTH}`);
  const kind = wire?.kind;
  if (kind === undefined || kind.case === undefined) throw malformed(WHAT, `${name} is missing`);
  if (kind.case === 'base') {
    const base = bases[kind.value - 1];
    if (base === undefined) throw malformed(WHAT, `${name} has base policy ${kind.value}`);
    return { base };
  }
  // libxmtp rejects an empty and/any: it would allow (and) or deny (any) by accident.
  if (kind.value.policies.length === 0) throw malformed(WHAT, `${name} has an empty condition`);
  checkEntryCount(WHAT, kind.value.policies.length);
  const policies = kind.value.policies.map((p) => policyFromWire(p, bases, name, depth + 1));
  return kind.case === 'andCondition' ? { and: policies } : { any: policies };
}

export function permissionsExtension(policies: PolicySet): Extension {
  const message = create(GroupMutablePermissionsSchema, {
    policies: {
      addMemberPolicy: policyToWire(policies.addMember, MEMBERSHIP_BASES),
      removeMemberPolicy: policyToWire(policies.removeMember, MEMBERSHIP_BASES),
      updateMetadataPolicy: [...policies.updateMetadata].map(([key, policy]) => ({
        key,
        value: policyToWire(policy, METADATA_BASES),
      })),
      addAdminPolicy: policyToWire(policies.addAdmin, PERMISSIONS_BASES),
      removeAdminPolicy: policyToWire(policies.removeAdmin, PERMISSIONS_BASES),
      updatePermissionsPolicy: policyToWire(policies.updatePermissions, PERMISSIONS_BASES),
    },
  });
  return {
    extensionType: EXTENSION_GROUP_PERMISSIONS,
    extensionData: toBinary(GroupMutablePermissionsSchema, message),
  };
}

/** Decodes 0xff02 with libxmtp's checks (PolicySet::from_proto): every policy present and valid. */
export function decodePermissions(extensionData: Uint8Array): PolicySet {
  return decodeExtensionPayload(WHAT, extensionData, (bytes) => {
    const pb = fromBinary(GroupMutablePermissionsSchema, bytes, { readUnknownFields: false });
    const set = pb.policies;
    if (set === undefined) throw malformed(WHAT, 'the policy set is missing');
    checkEntryCount(WHAT, set.updateMetadataPolicy.length);
    const updateMetadata = new Map<string, MetadataPolicy>();
    for (const { key, value } of set.updateMetadataPolicy) {
      updateMetadata.set(key, policyFromWire(value, METADATA_BASES, `metadata policy "${key}"`));
    }
    return {
      addMember: policyFromWire(set.addMemberPolicy, MEMBERSHIP_BASES, 'add member policy'),
      removeMember: policyFromWire(set.removeMemberPolicy, MEMBERSHIP_BASES, 'remove member policy'),
      updateMetadata,
      addAdmin: policyFromWire(set.addAdminPolicy, PERMISSIONS_BASES, 'add admin policy'),
      removeAdmin: policyFromWire(set.removeAdminPolicy, PERMISSIONS_BASES, 'remove admin policy'),
      updatePermissions: policyFromWire(set.updatePermissionsPolicy, PERMISSIONS_BASES, 'update permissions policy'),
    };
  });
}

export function permissionsOf(extensions: readonly Extension[]): PolicySet {
  return decodePermissions(requireExtensionData(extensions, EXTENSION_GROUP_PERMISSIONS));
}
