import type { Extension } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { METADATA_FIELD } from '../../../src/core/mls/extensionsMutableMetadata';
import {
  newDmExtensions,
  newGroupExtensions,
  withAdmin,
  withDisappearingMessages,
  withGroupName,
  withMembership,
  withMetadataAttribute,
  withoutAdmin,
  withoutMember,
  withoutSuperAdmin,
  withPolicySet,
  withSuperAdmin,
} from '../../../src/core/mls/groupContext';
import { checkGroupContextChange } from '../../../src/core/mls/groupContextDiff';
import { adminOnlyGroupPolicySet, defaultGroupPolicySet, dmPolicySet, type PolicySet } from '../../../src/core/mls/policies';
import { evaluateGroupChanges, NO_CHANGES, type InboxRole } from '../../../src/core/mls/policiesEvaluate';

const id = (c: string) => c.repeat(64);
const SUPER = id('1'); // the creator
const SUPER2 = id('2');
const ADMIN = id('3');
const ADMIN2 = id('4');
const MEMBER = id('5');
const TARGET = id('6');
const NEWCOMER = id('7');

/** A default-policy group where every role is represented, built with the helpers under test. */
function defaultGroup(policies: PolicySet = defaultGroupPolicySet()): Extension[] {
  let extensions = newGroupExtensions({ creatorInboxId: SUPER, creatorSequenceId: 1n, name: 'team', policies });
  for (const inbox of [SUPER2, ADMIN, ADMIN2, MEMBER, TARGET]) extensions = withMembership(extensions, inbox, 1n);
  return withAdmin(withAdmin(withSuperAdmin(extensions, SUPER2), ADMIN), ADMIN2);
}

type Role = 'member' | 'admin' | 'superAdmin';
const ACTOR: Record<Role, string> = { member: MEMBER, admin: ADMIN, superAdmin: SUPER };

/** action → [member, admin, super admin] may do it under libxmtp's "All Members" default. */
const GROUP_TABLE: [string, (e: Extension[]) => Extension[], [boolean, boolean, boolean]][] = [
  ['add a member', (e) => withMembership(e, NEWCOMER, 4n), [true, true, true]],
  ['remove a member', (e) => withoutMember(e, TARGET), [false, true, true]],
  ['rename the group', (e) => withGroupName(e, 'renamed'), [true, true, true]],
  ['change the description', (e) => withMetadataAttribute(e, METADATA_FIELD.description, 'd'), [true, true, true]],
  ['change the image', (e) => withMetadataAttribute(e, METADATA_FIELD.groupImageUrlSquare, 'https://x/i.png'), [true, true, true]],
  ['change the app data', (e) => withMetadataAttribute(e, METADATA_FIELD.appData, 'origin'), [true, true, true]],
  ['set disappearing messages', (e) => withDisappearingMessages(e, { fromNs: 1n, inNs: 2n }), [false, true, true]],
  ['set the minimum protocol version', (e) => withMetadataAttribute(e, METADATA_FIELD.minimumSupportedProtocolVersion, '1.10.0'), [false, false, true]],
  ['set an attribute without a policy', (e) => withMetadataAttribute(e, 'custom', 'x'), [false, true, true]],
  ['set a "_" attribute without a policy', (e) => withMetadataAttribute(e, '_private', 'x'), [false, false, true]],
  ['make a member admin', (e) => withAdmin(e, TARGET), [false, false, true]],
  ['demote another admin', (e) => withoutAdmin(e, ADMIN2), [false, false, true]],
  ['make a member super admin', (e) => withSuperAdmin(e, TARGET), [false, false, true]],
  ['demote another super admin', (e) => withoutSuperAdmin(e, SUPER2), [false, false, true]],
  ['change the policies', (e) => withPolicySet(e, adminOnlyGroupPolicySet()), [false, false, true]],
  ['remove a super admin from the group', (e) => withoutMember(e, SUPER2), [false, false, false]],
];

describe('libxmtp’s default group policies', () => {
  const roles: Role[] = ['member', 'admin', 'superAdmin'];
  const cases = GROUP_TABLE.flatMap(([action, change, allowed]) =>
    roles.map((role, i) => ({ action, change, role, allowed: allowed[i] as boolean })),
  );

  it.each(cases)('$role may $action: $allowed', ({ change, role, allowed }) => {
    const before = defaultGroup();
    expect(checkGroupContextChange(before, change(before), ACTOR[role]).allowed).toBe(allowed);
  });

  it('lets only admins add members under the "Admin Only" preset', () => {
    const before = defaultGroup(adminOnlyGroupPolicySet());
    const after = withMembership(before, NEWCOMER, 1n);
    expect(checkGroupContextChange(before, after, MEMBER).allowed).toBe(false);
    expect(checkGroupContextChange(before, after, ADMIN).allowed).toBe(true);
  });

  it('never lets the last super admin step down', () => {
    const before = withoutSuperAdmin(defaultGroup(), SUPER2);
    const decision = checkGroupContextChange(before, withoutSuperAdmin(before, SUPER), SUPER);
    expect(decision).toEqual({ allowed: false, denials: [{ rule: 'removeSuperAdmin' }] });
    expect(checkGroupContextChange(defaultGroup(), withoutSuperAdmin(defaultGroup(), SUPER), SUPER).allowed).toBe(true);
  });

  it('judges a commit by the policies it replaces, not the ones it installs', () => {
    const before = defaultGroup();
    const open: PolicySet = { ...defaultGroupPolicySet(), removeMember: { base: 'allow' } };
    const after = withoutMember(withPolicySet(before, open), TARGET);
    expect(checkGroupContextChange(before, after, MEMBER).denials.map((d) => d.rule).sort()).toEqual([
      'removeMember',
      'updatePermissions',
    ]);
  });

  it('allows a commit that changes nothing (a key update)', () => {
    const before = defaultGroup();
    expect(checkGroupContextChange(before, before, MEMBER)).toEqual({ allowed: true, denials: [] });
  });
});

describe('libxmtp’s DM policies', () => {
  const ME = id('a');
  const PEER = id('b');
  const STRANGER = id('c');
  const dmAlone = newDmExtensions({ creatorInboxId: ME, creatorSequenceId: 1n, peerInboxId: PEER });
  const dm = withMembership(dmAlone, PEER, 2n);

  const DM_TABLE: [string, Extension[], (e: Extension[]) => Extension[], boolean][] = [
    ['add the peer', dmAlone, (e) => withMembership(e, PEER, 2n), true],
    ['add a third inbox', dmAlone, (e) => withMembership(e, STRANGER, 1n), false],
    ['add the peer and a third inbox at once', dmAlone, (e) => withMembership(withMembership(e, PEER, 2n), STRANGER, 1n), false],
    ['remove the peer', dm, (e) => withoutMember(e, PEER), false],
    ['rename the DM', dm, (e) => withGroupName(e, 'us'), true],
    ['change the app data', dm, (e) => withMetadataAttribute(e, METADATA_FIELD.appData, 'origin'), true],
    ['set disappearing messages', dm, (e) => withDisappearingMessages(e, { fromNs: 1n, inNs: 2n }), true],
    ['set the minimum protocol version', dm, (e) => withMetadataAttribute(e, METADATA_FIELD.minimumSupportedProtocolVersion, '1.10.0'), true],
    ['set an attribute without a policy', dm, (e) => withMetadataAttribute(e, 'custom', 'x'), false],
    ['make someone admin', dm, (e) => withAdmin(e, PEER), false],
    ['make someone super admin', dm, (e) => withSuperAdmin(e, ME), false],
    ['change the policies', dm, (e) => withPolicySet(e, defaultGroupPolicySet()), false],
  ];

  it.each(DM_TABLE)('a DM member may %s: %s', (_action, before, change, allowed) => {
    expect(checkGroupContextChange(before, change(before), ME).allowed).toBe(allowed);
  });

  it('does not let an inbox add itself to a DM through the peer exception', () => {
    const decision = evaluateGroupChanges(
      dmPolicySet(),
      { inboxId: PEER, isAdmin: false, isSuperAdmin: false },
      { ...NO_CHANGES, addedInboxes: [{ inboxId: PEER, isAdmin: false, isSuperAdmin: false }] },
      { memberOne: ME, memberTwo: PEER },
    );
    expect(decision.allowed).toBe(false);
  });
});

describe('policy evaluation', () => {
  const member: InboxRole = { inboxId: MEMBER, isAdmin: false, isSuperAdmin: false };
  const admin: InboxRole = { inboxId: ADMIN, isAdmin: true, isSuperAdmin: false };
  const renaming = { ...NO_CHANGES, metadataFieldsChanged: [METADATA_FIELD.groupName] };

  function withNamePolicy(policy: PolicySet['updateMetadata'] extends ReadonlyMap<string, infer P> ? P : never): PolicySet {
    return { ...defaultGroupPolicySet(), updateMetadata: new Map([[METADATA_FIELD.groupName, policy]]) };
  }

  it('requires every branch of an "and" and one branch of an "any"', () => {
    const both = withNamePolicy({ and: [{ base: 'allow' }, { base: 'allowIfAdmin' }] });
    const either = withNamePolicy({ any: [{ base: 'deny' }, { base: 'allowIfAdmin' }] });
    expect(evaluateGroupChanges(both, member, renaming).allowed).toBe(false);
    expect(evaluateGroupChanges(both, admin, renaming).allowed).toBe(true);
    expect(evaluateGroupChanges(either, member, renaming).allowed).toBe(false);
    expect(evaluateGroupChanges(either, admin, renaming).allowed).toBe(true);
  });

  it('names every rule a commit breaks', () => {
    const decision = evaluateGroupChanges(defaultGroupPolicySet(), member, {
      ...NO_CHANGES,
      removedInboxes: [{ inboxId: SUPER, isAdmin: false, isSuperAdmin: true }],
      adminsAdded: [MEMBER],
    });
    expect(decision.denials).toEqual([
      { rule: 'removeMember', subject: SUPER },
      { rule: 'removeSuperAdminMember', subject: SUPER },
      { rule: 'addAdmin' },
    ]);
  });
});
