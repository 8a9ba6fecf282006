import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { METADATA_FIELD, mutableMetadataOf } from '../../../src/core/mls/extensionsMutableMetadata';
import { decodePermissions, permissionsExtension, permissionsOf } from '../../../src/core/mls/extensionsPermissions';
import { newGroupExtensions, withMembership, withPolicySet } from '../../../src/core/mls/groupContext';
import { assertOwnChangePermitted } from '../../../src/core/mls/ownChangeCheck';
import { adminOnlyGroupPolicySet, defaultGroupPolicySet, type PolicySet } from '../../../src/core/mls/policies';
import {
  ADMIN_LIST_ACTIONS,
  PERMISSION_METADATA_FIELDS,
  PERMISSION_OPTIONS,
  PERMISSION_UPDATE_TYPES,
  permissionsView,
  policySetForPreset,
  presetOf,
  withAdminListAction,
  withPermission,
  type PermissionUpdate,
} from '../../../src/core/mls/policyUpdate';

const SUPER = '1'.repeat(64);
const MEMBER = '5'.repeat(64);
const OTHER = '6'.repeat(64);

function group(policies: PolicySet = defaultGroupPolicySet()) {
  let extensions = newGroupExtensions({ creatorInboxId: SUPER, creatorSequenceId: 1n, policies });
  for (const inbox of [MEMBER, OTHER]) extensions = withMembership(extensions, inbox, 1n);
  return extensions;
}

const updateArb: fc.Arbitrary<PermissionUpdate> = fc
  .record({ update: fc.constantFrom(...PERMISSION_UPDATE_TYPES), option: fc.constantFrom(...PERMISSION_OPTIONS), field: fc.constantFrom(...PERMISSION_METADATA_FIELDS) })
  .map((u) => (u.update === 'updateMetadata' ? u : { update: u.update, option: u.option }));

describe('permission presets and policy updates', () => {
  it('names the two presets as libxmtp does and reads a changed set as custom', () => {
    expect(presetOf(policySetForPreset('default'))).toBe('default');
    expect(presetOf(policySetForPreset('admin_only'))).toBe('admin_only');
    expect(permissionsView(adminOnlyGroupPolicySet())).toMatchObject({ preset: 'admin_only', addMember: 'admin', removeMember: 'admin', addAdmin: 'superAdmin' });
    const changed = withPermission(defaultGroupPolicySet(), { update: 'addMember', option: 'admin' });
    expect(presetOf(changed)).toBe('custom');
    // Changing the name policy back and forth lands on the preset again.
    const back = withPermission(withPermission(defaultGroupPolicySet(), { update: 'updateMetadata', option: 'deny', field: 'group_name' }), {
      update: 'updateMetadata',
      option: 'allow',
      field: 'group_name',
    });
    expect(presetOf(back)).toBe('default');
  });

  it('a group made by an older client, with fewer metadata policies, still reads as its preset', () => {
    const older = { ...adminOnlyGroupPolicySet(), updateMetadata: new Map([[METADATA_FIELD.groupName, { base: 'allowIfAdmin' as const }]]) };
    expect(presetOf(older)).toBe('admin_only');
  });

  it('an and/any policy shows as "other" and makes the set custom', () => {
    const combined: PolicySet = { ...defaultGroupPolicySet(), addMember: { any: [{ base: 'allowIfAdmin' }, { base: 'allowIfSuperAdmin' }] } };
    expect(permissionsView(combined)).toMatchObject({ preset: 'custom', addMember: 'other' });
  });

  it('replaces exactly the one policy an update names, and the result survives the 0xff02 codec', () => {
    fc.assert(
      fc.property(updateArb, (u) => {
        const before = defaultGroupPolicySet();
        const after = withPermission(before, u);
        const view = permissionsView(decodePermissions(permissionsExtension(after).extensionData));
        const expected = u.option === 'allow' && (u.update === 'addAdmin' || u.update === 'removeAdmin') ? 'superAdmin' : u.option;
        const { preset: _p, ...rest } = view;
        const { preset: _q, ...old } = permissionsView(before);
        if (u.update === 'updateMetadata') {
          expect(rest.updateMetadata[u.field ?? '']).toBe(expected);
          expect({ ...rest, updateMetadata: { ...rest.updateMetadata, [u.field ?? '']: 'x' } }).toEqual({ ...old, updateMetadata: { ...old.updateMetadata, [u.field ?? '']: 'x' } });
        } else {
          expect(rest[u.update]).toBe(expected);
          expect({ ...rest, [u.update]: 'x' }).toEqual({ ...old, [u.update]: 'x' });
        }
      }),
    );
  });

  it('turns "allow" for admin management into super admin only, as libxmtp does', () => {
    expect(withPermission(defaultGroupPolicySet(), { update: 'addAdmin', option: 'allow' }).addAdmin).toEqual({ base: 'allowIfSuperAdmin' });
    expect(withPermission(defaultGroupPolicySet(), { update: 'removeAdmin', option: 'admin' }).removeAdmin).toEqual({ base: 'allowIfAdmin' });
  });

  it('refuses a metadata update without a known field, and an unknown option, as Group.BadPermissionUpdate', () => {
    const bad: PermissionUpdate[] = [
      { update: 'updateMetadata', option: 'deny' },
      { update: 'updateMetadata', option: 'deny', field: '_commit_log_signer' },
      { update: 'addMember', option: 'sometimes' as never },
      { update: 'everything' as never, option: 'allow' },
    ];
    for (const u of bad) expect(() => withPermission(defaultGroupPolicySet(), u)).toThrow(expect.objectContaining({ code: 'Group.BadPermissionUpdate' }));
  });

  it('admin list actions add once and remove from the right list', () => {
    let extensions = group();
    extensions = withAdminListAction(withAdminListAction(extensions, 'addAdmin', MEMBER), 'addAdmin', MEMBER);
    extensions = withAdminListAction(extensions, 'addSuperAdmin', OTHER);
    expect(mutableMetadataOf(extensions)).toMatchObject({ adminList: [MEMBER], superAdminList: [SUPER, OTHER] });
    extensions = withAdminListAction(withAdminListAction(extensions, 'removeAdmin', MEMBER), 'removeSuperAdmin', OTHER);
    expect(mutableMetadataOf(extensions)).toMatchObject({ adminList: [], superAdminList: [SUPER] });
    expect(ADMIN_LIST_ACTIONS).toHaveLength(4);
  });

  it('a member is refused each admin and policy change with Group.PermissionDenied; the super admin is not', () => {
    const before = withAdminListAction(group(), 'addAdmin', OTHER);
    const target = { addAdmin: MEMBER, removeAdmin: OTHER, addSuperAdmin: MEMBER, removeSuperAdmin: SUPER } as const;
    const changes = [
      ...ADMIN_LIST_ACTIONS.map((a) => withAdminListAction(before, a, target[a])),
      withPolicySet(before, withPermission(permissionsOf(before), { update: 'addMember', option: 'deny' })),
    ];
    for (const after of changes) {
      let error: unknown;
      try {
        assertOwnChangePermitted(before, after, MEMBER);
      } catch (e) {
        error = e;
      }
      expect(isParleyError(error, 'Group.PermissionDenied'), String(error)).toBe(true);
      expect((error as { shortMessage: string }).shortMessage).toMatch(/do not let you/);
    }
    expect(() => assertOwnChangePermitted(before, withAdminListAction(before, 'addAdmin', MEMBER), SUPER)).not.toThrow();
    // The last super admin cannot step down, not even by their own hand.
    expect(() => assertOwnChangePermitted(before, withAdminListAction(before, 'removeSuperAdmin', SUPER), SUPER)).toThrow(
      expect.objectContaining({ code: 'Group.PermissionDenied', shortMessage: expect.stringContaining('last super admin') }),
    );
  });
});
