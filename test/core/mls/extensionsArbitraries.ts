import fc from 'fast-check';
import type { DmMembers, GroupMetadata } from '../../../src/core/mls/extensionsGroupMetadata';
import type { GroupMembership } from '../../../src/core/mls/extensionsMembership';
import type { GroupMutableMetadata } from '../../../src/core/mls/extensionsMutableMetadata';
import type { MembershipBase, MetadataBase, PermissionsBase, Policy, PolicySet } from '../../../src/core/mls/policies';

/** Map keys that plain-object decoders mishandle, mixed into every generated map. */
const awkwardKey = fc.constantFrom('__proto__', 'constructor', 'toString', '', 'group_name', '_commit_log_signer');
const key = fc.oneof(awkwardKey, fc.string({ maxLength: 24 }));
const inboxId = fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ maxLength: 12 }));

function mapOf<V>(value: fc.Arbitrary<V>): fc.Arbitrary<Map<string, V>> {
  return fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 8 }).map((entries) => new Map(entries));
}

const dmMembers: fc.Arbitrary<DmMembers> = fc.record({ memberOne: inboxId, memberTwo: inboxId });

export const groupMetadataArb: fc.Arbitrary<GroupMetadata> = fc.oneof(
  fc.record({ conversationType: fc.constant('dm' as const), creatorInboxId: inboxId, dmMembers }),
  fc.record(
    {
      conversationType: fc.constantFrom('group' as const, 'sync' as const, 'oneshot' as const),
      creatorInboxId: inboxId,
      dmMembers,
    },
    { requiredKeys: ['conversationType', 'creatorInboxId'] },
  ),
);

export const mutableMetadataArb: fc.Arbitrary<GroupMutableMetadata> = fc.record({
  attributes: mapOf(fc.string({ maxLength: 40 })),
  adminList: fc.array(inboxId, { maxLength: 5 }),
  superAdminList: fc.array(inboxId, { maxLength: 5 }),
});

export const membershipArb: fc.Arbitrary<GroupMembership> = fc.record({
  members: mapOf(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  failedInstallations: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }),
});

function policyArb<B extends string>(bases: readonly B[]): fc.Arbitrary<Policy<B>> {
  const { policy } = fc.letrec<{ policy: Policy<B> }>((tie) => ({
    policy: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ base: fc.constantFrom(...bases) }),
      fc.record({ and: fc.array(tie('policy'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('policy'), { minLength: 1, maxLength: 3 }) }),
    ),
  }));
  return policy;
}

const membershipBases: readonly MembershipBase[] = ['allow', 'deny', 'allowIfAdmin', 'allowIfSuperAdmin'];
const metadataBases: readonly MetadataBase[] = ['allow', 'deny', 'allowIfAdmin', 'allowIfSuperAdmin'];
const permissionsBases: readonly PermissionsBase[] = ['deny', 'allowIfAdmin', 'allowIfSuperAdmin'];

export const policySetArb: fc.Arbitrary<PolicySet> = fc.record({
  addMember: policyArb(membershipBases),
  removeMember: policyArb(membershipBases),
  updateMetadata: mapOf(policyArb(metadataBases)),
  addAdmin: policyArb(permissionsBases),
  removeAdmin: policyArb(permissionsBases),
  updatePermissions: policyArb(permissionsBases),
});
