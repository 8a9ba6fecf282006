import type { Extension } from 'ts-mls';
import { ParleyError } from '../errors';
import { METADATA_FIELD } from './extensionsMutableMetadata';
import { withAdmin, withoutAdmin, withoutSuperAdmin, withSuperAdmin } from './groupContext';
import {
  adminOnlyGroupPolicySet,
  defaultGroupPolicySet,
  type MembershipBase,
  type MetadataBase,
  type PermissionsBase,
  type Policy,
  type PolicySet,
} from './policies';

/**
 * Changing who may do what in a group, as libxmtp 1.11 does it (groups/mod.rs
 * update_permission_policy + build_extensions_for_permissions_update, update_admin_list +
 * build_extensions_for_admin_lists_update; groups/intents.rs From<PermissionPolicyOption>;
 * groups/group_permissions.rs PreconfiguredPolicies, is_policy_default, is_policy_admin_only).
 */

/** PreconfiguredPolicies: "default" (All Members) and "admin_only" (AdminsOnly). */
export type PolicyPreset = 'default' | 'admin_only';
export const POLICY_PRESETS: readonly PolicyPreset[] = ['default', 'admin_only'];

/** PermissionUpdateType: which policy an update replaces. */
export type PermissionUpdateType = 'addMember' | 'removeMember' | 'addAdmin' | 'removeAdmin' | 'updateMetadata';
export const PERMISSION_UPDATE_TYPES: readonly PermissionUpdateType[] = ['addMember', 'removeMember', 'addAdmin', 'removeAdmin', 'updateMetadata'];

/** PermissionPolicyOption: the single-rule policies an update can set. */
export type PermissionOption = 'allow' | 'deny' | 'admin' | 'superAdmin';
export const PERMISSION_OPTIONS: readonly PermissionOption[] = ['allow', 'deny', 'admin', 'superAdmin'];

/** How a policy reads as one option; "other" for and/any combinations (node-sdk PermissionPolicy.Other). */
export type PolicyOptionView = PermissionOption | 'other';

/** The attributes node-sdk's MetadataField names, the ones an update may target. */
export const PERMISSION_METADATA_FIELDS: readonly string[] = [
  METADATA_FIELD.groupName,
  METADATA_FIELD.description,
  METADATA_FIELD.groupImageUrlSquare,
  METADATA_FIELD.messageDisappearFromNs,
  METADATA_FIELD.messageDisappearInNs,
  METADATA_FIELD.appData,
];

/** UpdateAdminListType: Add, Remove, AddSuper, RemoveSuper. */
export type AdminListAction = 'addAdmin' | 'removeAdmin' | 'addSuperAdmin' | 'removeSuperAdmin';
export const ADMIN_LIST_ACTIONS: readonly AdminListAction[] = ['addAdmin', 'removeAdmin', 'addSuperAdmin', 'removeSuperAdmin'];

export interface PermissionUpdate {
  update: PermissionUpdateType;
  option: PermissionOption;
  /** Required for 'updateMetadata': the attribute whose policy changes. */
  field?: string;
}

/** A group's policies as options, node-sdk's permissions(): { policyType, policySet }. */
export interface PermissionsView {
  preset: PolicyPreset | 'custom';
  addMember: PolicyOptionView;
  removeMember: PolicyOptionView;
  addAdmin: PolicyOptionView;
  removeAdmin: PolicyOptionView;
  updatePermissions: PolicyOptionView;
  /** Per attribute key, the ones the group has a policy for. */
  updateMetadata: Record<string, PolicyOptionView>;
}

export function policySetForPreset(preset: PolicyPreset): PolicySet {
  return preset === 'admin_only' ? adminOnlyGroupPolicySet() : defaultGroupPolicySet();
}

const BASE_FOR_OPTION = { allow: 'allow', deny: 'deny', admin: 'allowIfAdmin', superAdmin: 'allowIfSuperAdmin' } as const;

function membershipPolicy(option: PermissionOption): Policy<MembershipBase> {
  return { base: BASE_FOR_OPTION[option] };
}

function metadataPolicy(option: PermissionOption): Policy<MetadataBase> {
  return { base: BASE_FOR_OPTION[option] };
}

/** Admin policies have no "allow": libxmtp turns it into super admin only, and so do we. */
function permissionsPolicy(option: PermissionOption): Policy<PermissionsBase> {
  return { base: option === 'allow' ? 'allowIfSuperAdmin' : BASE_FOR_OPTION[option] };
}

function badUpdate(details: string): ParleyError {
  return new ParleyError('Group.BadPermissionUpdate', 'That permission change is not one XMTP knows.', { details });
}

/** The policy set after one PermissionUpdate (build_extensions_for_permissions_update). */
export function withPermission(policies: PolicySet, change: PermissionUpdate): PolicySet {
  if (!PERMISSION_OPTIONS.includes(change.option)) throw badUpdate(`unknown policy option ${String(change.option).slice(0, 40)}`);
  switch (change.update) {
    case 'addMember':
      return { ...policies, addMember: membershipPolicy(change.option) };
    case 'removeMember':
      return { ...policies, removeMember: membershipPolicy(change.option) };
    case 'addAdmin':
      return { ...policies, addAdmin: permissionsPolicy(change.option) };
    case 'removeAdmin':
      return { ...policies, removeAdmin: permissionsPolicy(change.option) };
    case 'updateMetadata': {
      // libxmtp: InvalidPermissionUpdate without a field.
      if (change.field === undefined) throw badUpdate('a metadata policy update needs a field');
      if (!PERMISSION_METADATA_FIELDS.includes(change.field)) throw badUpdate(`unknown metadata field ${change.field.slice(0, 64)}`);
      return { ...policies, updateMetadata: new Map(policies.updateMetadata).set(change.field, metadataPolicy(change.option)) };
    }
    default:
      throw badUpdate(`unknown update type ${String(change.update as unknown).slice(0, 40)}`);
  }
}

/** The mutable metadata after one admin-list action (build_extensions_for_admin_lists_update). */
export function withAdminListAction(extensions: readonly Extension[], action: AdminListAction, inboxId: string): Extension[] {
  switch (action) {
    case 'addAdmin':
      return withAdmin(extensions, inboxId);
    case 'removeAdmin':
      return withoutAdmin(extensions, inboxId);
    case 'addSuperAdmin':
      return withSuperAdmin(extensions, inboxId);
    case 'removeSuperAdmin':
      return withoutSuperAdmin(extensions, inboxId);
    default:
      throw badUpdate(`unknown admin list action ${String(action as unknown).slice(0, 40)}`);
  }
}

function optionOf(policy: Policy<string>): PolicyOptionView {
  if (!('base' in policy)) return 'other';
  switch (policy.base) {
    case 'allow':
      return 'allow';
    case 'deny':
      return 'deny';
    case 'allowIfAdmin':
      return 'admin';
    case 'allowIfSuperAdmin':
      return 'superAdmin';
    default:
      return 'other';
  }
}

/**
 * PreconfiguredPolicies::from_policy_set: a preset when the membership and admin rules match it
 * and every metadata policy the group has matches the preset's rule for that field (groups made
 * by older clients may have fewer fields); otherwise "custom".
 */
export function presetOf(policies: PolicySet): PolicyPreset | 'custom' {
  for (const preset of POLICY_PRESETS) {
    const model = policySetForPreset(preset);
    const same = (a: Policy<string>, b: Policy<string>) => optionOf(a) !== 'other' && optionOf(a) === optionOf(b);
    const fallback = preset === 'admin_only' ? 'allowIfAdmin' : 'allow';
    const metadataMatches = [...policies.updateMetadata].every(([field, policy]) =>
      same(policy, model.updateMetadata.get(field) ?? { base: field === METADATA_FIELD.minimumSupportedProtocolVersion ? 'allowIfSuperAdmin' : fallback }),
    );
    if (
      metadataMatches &&
      same(policies.addMember, model.addMember) &&
      same(policies.removeMember, model.removeMember) &&
      same(policies.addAdmin, model.addAdmin) &&
      same(policies.removeAdmin, model.removeAdmin) &&
      same(policies.updatePermissions, model.updatePermissions)
    ) {
      return preset;
    }
  }
  return 'custom';
}

export function permissionsView(policies: PolicySet): PermissionsView {
  return {
    preset: presetOf(policies),
    addMember: optionOf(policies.addMember),
    removeMember: optionOf(policies.removeMember),
    addAdmin: optionOf(policies.addAdmin),
    removeAdmin: optionOf(policies.removeAdmin),
    updatePermissions: optionOf(policies.updatePermissions),
    updateMetadata: Object.fromEntries([...policies.updateMetadata].map(([field, policy]) => [field, optionOf(policy)])),
  };
}
