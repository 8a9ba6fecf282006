import { METADATA_FIELD } from './extensionsMutableMetadata';

/**
 * XMTP permission policies (libxmtp groups/group_permissions.rs; xmtp/proto
 * mls/message_contents/group_permissions.proto). A policy is a base rule or an and/any of
 * policies; "allowIfAdmin" admits admins and super admins alike, as libxmtp's
 * AllowIfActorAdminOrSuperAdmin does.
 */
export type Policy<Base extends string> =
  | { base: Base }
  | { and: readonly Policy<Base>[] }
  | { any: readonly Policy<Base>[] };

export type MembershipBase = 'allow' | 'deny' | 'allowIfAdmin' | 'allowIfSuperAdmin';
export type MetadataBase = 'allow' | 'deny' | 'allowIfAdmin' | 'allowIfSuperAdmin';
export type PermissionsBase = 'deny' | 'allowIfAdmin' | 'allowIfSuperAdmin';

export type MembershipPolicy = Policy<MembershipBase>;
export type MetadataPolicy = Policy<MetadataBase>;
export type PermissionsPolicy = Policy<PermissionsBase>;

/** The 0xff02 policy set: who may add and remove members, edit each attribute, and manage admins. */
export interface PolicySet {
  addMember: MembershipPolicy;
  removeMember: MembershipPolicy;
  /** Per attribute key; a key without an entry falls back (see policiesEvaluate). */
  updateMetadata: ReadonlyMap<string, MetadataPolicy>;
  addAdmin: PermissionsPolicy;
  removeAdmin: PermissionsPolicy;
  /** Stored and carried, but libxmtp 1.10 lets only a super admin change policies whatever it says. */
  updatePermissions: PermissionsPolicy;
}

const allow = { base: 'allow' } as const;
const deny = { base: 'deny' } as const;
const allowIfAdmin = { base: 'allowIfAdmin' } as const;
const allowIfSuperAdmin = { base: 'allowIfSuperAdmin' } as const;

/** GroupMutableMetadata::supported_fields(): the keys a new group gets a policy for. */
export const SUPPORTED_METADATA_FIELDS: readonly string[] = [
  METADATA_FIELD.groupName,
  METADATA_FIELD.description,
  METADATA_FIELD.groupImageUrlSquare,
  METADATA_FIELD.messageDisappearFromNs,
  METADATA_FIELD.messageDisappearInNs,
  METADATA_FIELD.minimumSupportedProtocolVersion,
  METADATA_FIELD.appData,
];

function metadataPolicies(others: MetadataPolicy): Map<string, MetadataPolicy> {
  return new Map(
    SUPPORTED_METADATA_FIELDS.map((field) => {
      if (field === METADATA_FIELD.messageDisappearFromNs || field === METADATA_FIELD.messageDisappearInNs) {
        return [field, allowIfAdmin];
      }
      if (field === METADATA_FIELD.minimumSupportedProtocolVersion) return [field, allowIfSuperAdmin];
      return [field, others];
    }),
  );
}

/**
 * libxmtp's default ("All Members") policy set for groups, default_policy(): anyone adds, admins
 * remove, anyone edits name/description/image/app data, admins set disappearing messages, super
 * admins set the minimum protocol version and manage admins and policies.
 */
export function defaultGroupPolicySet(): PolicySet {
  return {
    addMember: allow,
    removeMember: allowIfAdmin,
    updateMetadata: metadataPolicies(allow),
    addAdmin: allowIfSuperAdmin,
    removeAdmin: allowIfSuperAdmin,
    updatePermissions: allowIfSuperAdmin,
  };
}

/** libxmtp's "Admin Only" preset, policy_admin_only(): only admins add, remove and edit. */
export function adminOnlyGroupPolicySet(): PolicySet {
  return {
    addMember: allowIfAdmin,
    removeMember: allowIfAdmin,
    updateMetadata: metadataPolicies(allowIfAdmin),
    addAdmin: allowIfSuperAdmin,
    removeAdmin: allowIfSuperAdmin,
    updatePermissions: allowIfSuperAdmin,
  };
}

/**
 * PolicySet::new_dm(): nobody adds or removes (but see the DM-member exception in the evaluator),
 * both members edit every attribute, no admins.
 */
export function dmPolicySet(): PolicySet {
  return {
    addMember: deny,
    removeMember: deny,
    updateMetadata: new Map(SUPPORTED_METADATA_FIELDS.map((field) => [field, allow])),
    addAdmin: deny,
    removeAdmin: deny,
    updatePermissions: deny,
  };
}
