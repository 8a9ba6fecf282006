import { decodeRequiredCapabilities, type Extension } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { isParleyError, type ErrorCode } from '../../../src/core/errors';
import {
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_MUTABLE_METADATA,
  extensionTypeNumber,
  findExtension,
  replaceExtension,
} from '../../../src/core/mls/extensions';
import { groupMetadataExtension, groupMetadataOf } from '../../../src/core/mls/extensionsGroupMetadata';
import { membershipExtension, membershipOf } from '../../../src/core/mls/extensionsMembership';
import { mutableMetadataExtension, mutableMetadataOf } from '../../../src/core/mls/extensionsMutableMetadata';
import { permissionsOf } from '../../../src/core/mls/extensionsPermissions';
import {
  newDmExtensions,
  newGroupExtensions,
  withAdmin,
  withAppData,
  withDescription,
  withDisappearingMessages,
  withGroupName,
  withImageUrlSquare,
  withMembership,
  withoutMember,
} from '../../../src/core/mls/groupContext';
import { assertGroupContextChangeAllowed, diffGroupContext } from '../../../src/core/mls/groupContextDiff';
import { defaultGroupPolicySet, dmPolicySet } from '../../../src/core/mls/policies';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isParleyError(thrown, code), String(thrown)).toBe(true);
}

const group = () => newGroupExtensions({ creatorInboxId: ALICE, creatorSequenceId: 5n, name: 'team', description: 'ours' });

describe('a new group’s extensions', () => {
  it('come in libxmtp’s order, ending with the required capabilities', () => {
    expect(group().map((e) => extensionTypeNumber(e.extensionType))).toEqual([0xf000, 0xff00, 0xff01, 0xff02, 0x0003]);
  });

  it('make the creator sole super admin and member, under the default policies', () => {
    const extensions = group();
    expect(groupMetadataOf(extensions)).toEqual({ conversationType: 'group', creatorInboxId: ALICE });
    expect(mutableMetadataOf(extensions)).toEqual({
      attributes: new Map([
        ['group_name', 'team'],
        ['description', 'ours'],
        ['group_image_url_square', ''],
        ['app_data', ''],
      ]),
      adminList: [],
      superAdminList: [ALICE],
    });
    expect(membershipOf(extensions).members).toEqual(new Map([[ALICE, 5n]]));
    expect(permissionsOf(extensions)).toEqual(defaultGroupPolicySet());
  });

  it('require what libxmtp’s build_group_config requires of members', () => {
    const required = findExtension(group(), 0x0003);
    const decoded = required && decodeRequiredCapabilities(required.extensionData, 0);
    expect(decoded?.[0]).toEqual({
      extensionTypes: [0xff01, 0xff00, 0xff02, 0xf000, 0x000a, 0x0001],
      proposalTypes: [7],
      credentialTypes: ['basic'],
    });
  });

  it('write disappearing-message settings as decimal nanoseconds', () => {
    const extensions = newGroupExtensions({
      creatorInboxId: ALICE,
      creatorSequenceId: 1n,
      disappearing: { fromNs: 1_700_000_000_000_000_000n, inNs: 86_400_000_000_000n },
    });
    const { attributes } = mutableMetadataOf(extensions);
    expect(attributes.get('message_disappear_from_ns')).toBe('1700000000000000000');
    expect(attributes.get('message_disappear_in_ns')).toBe('86400000000000');
  });
});

describe('a new DM’s extensions', () => {
  it('fix both inboxes, name no admins and carry the DM policies', () => {
    const extensions = newDmExtensions({ creatorInboxId: ALICE, creatorSequenceId: 2n, peerInboxId: BOB });
    expect(groupMetadataOf(extensions)).toEqual({
      conversationType: 'dm',
      creatorInboxId: ALICE,
      dmMembers: { memberOne: ALICE, memberTwo: BOB },
    });
    const metadata = mutableMetadataOf(extensions);
    expect(metadata.adminList).toEqual([]);
    expect(metadata.superAdminList).toEqual([]);
    expect([...metadata.attributes.keys()]).toEqual(['group_name', 'description', 'group_image_url_square']);
    expect(membershipOf(extensions).members).toEqual(new Map([[ALICE, 2n]]));
    expect(permissionsOf(extensions)).toEqual(dmPolicySet());
  });
});

describe('changing one thing yields the whole new list', () => {
  const changes: [string, (e: Extension[]) => Extension[], number][] = [
    ['a rename', (e) => withGroupName(e, 'renamed'), EXTENSION_MUTABLE_METADATA],
    ['a description', (e) => withDescription(e, 'new'), EXTENSION_MUTABLE_METADATA],
    ['an image', (e) => withImageUrlSquare(e, 'https://example.org/i.png'), EXTENSION_MUTABLE_METADATA],
    ['app data', (e) => withAppData(e, '{"origin":"https://dapp.example"}'), EXTENSION_MUTABLE_METADATA],
    ['disappearing messages', (e) => withDisappearingMessages(e, { fromNs: 1n, inNs: 2n }), EXTENSION_MUTABLE_METADATA],
    ['an admin', (e) => withAdmin(e, BOB), EXTENSION_MUTABLE_METADATA],
    ['a member', (e) => withMembership(e, BOB, 9n), EXTENSION_GROUP_MEMBERSHIP],
  ];

  it.each(changes)('%s touches only its own extension, in place', (_name, change, touched) => {
    const before = group();
    const after = change(before);
    expect(after.map((e) => e.extensionType)).toEqual(before.map((e) => e.extensionType));
    after.forEach((extension, i) => {
      const untouched = extensionTypeNumber(extension.extensionType) !== touched;
      expect(extension === before[i]).toBe(untouched);
      if (!untouched) expect(extension.extensionData).not.toEqual(before[i]?.extensionData);
    });
  });

  it('keeps the other attributes when renaming', () => {
    const { attributes } = mutableMetadataOf(withGroupName(group(), 'renamed'));
    expect(attributes.get('group_name')).toBe('renamed');
    expect(attributes.get('description')).toBe('ours');
  });

  it('adds, updates and drops members', () => {
    const withBob = withMembership(group(), BOB, 3n);
    expect(membershipOf(withMembership(withBob, BOB, 4n)).members.get(BOB)).toBe(4n);
    expect(membershipOf(withoutMember(withBob, BOB)).members).toEqual(new Map([[ALICE, 5n]]));
  });

  it('refuses to move a member back to an older identity sequence id', () => {
    expectCode(() => withMembership(group(), ALICE, 4n), 'Mls.BadInput');
  });

  it('refuses a name longer than libxmtp’s 100 bytes, counting UTF-8 bytes', () => {
    expect(() => withGroupName(group(), 'x'.repeat(100))).not.toThrow();
    expectCode(() => withGroupName(group(), 'é'.repeat(51)), 'Mls.BadInput');
  });

  it('needs the extension it changes', () => {
    const withoutMembership = group().filter((e) => extensionTypeNumber(e.extensionType) !== EXTENSION_GROUP_MEMBERSHIP);
    expectCode(() => withMembership(withoutMembership, BOB, 1n), 'Mls.MissingExtension');
  });
});

describe('checking a received group-context change', () => {
  it('refuses any change to the immutable metadata', () => {
    const before = group();
    const after = replaceExtension(before, groupMetadataExtension({ conversationType: 'group', creatorInboxId: BOB }));
    expectCode(() => diffGroupContext(before, after, ALICE), 'Mls.InvalidGroupContextChange');
  });

  it('refuses a list that drops an XMTP extension', () => {
    const before = group();
    for (const type of [EXTENSION_IMMUTABLE_METADATA, EXTENSION_MUTABLE_METADATA, EXTENSION_GROUP_MEMBERSHIP, EXTENSION_GROUP_PERMISSIONS]) {
      const after = before.filter((e) => extensionTypeNumber(e.extensionType) !== type);
      expectCode(() => diffGroupContext(before, after, ALICE), 'Mls.MissingExtension');
    }
  });

  it('refuses a sequence id that goes back and an over-long attribute', () => {
    const before = group();
    const olderAlice = replaceExtension(before, membershipExtension({ members: new Map([[ALICE, 4n]]), failedInstallations: [] }));
    expectCode(() => diffGroupContext(before, olderAlice, ALICE), 'Mls.InvalidGroupContextChange');
    const metadata = mutableMetadataOf(before);
    const longName = replaceExtension(
      before,
      mutableMetadataExtension({ ...metadata, attributes: new Map([...metadata.attributes, ['group_name', 'x'.repeat(101)]]) }),
    );
    expectCode(() => diffGroupContext(before, longName, ALICE), 'Mls.InvalidGroupContextChange');
  });

  it('reports what changed, with roles as they were before the commit', () => {
    const before = withMembership(group(), BOB, 1n);
    const after = withAdmin(withoutMember(withGroupName(before, 'renamed'), BOB), BOB);
    expect(diffGroupContext(before, after, ALICE)).toMatchObject({
      actor: { inboxId: ALICE, isAdmin: false, isSuperAdmin: true },
      changes: {
        addedInboxes: [],
        removedInboxes: [{ inboxId: BOB, isAdmin: false, isSuperAdmin: false }],
        metadataFieldsChanged: ['group_name'],
        adminsAdded: [BOB],
        permissionsChanged: false,
      },
    });
  });

  it('throws Mls.PolicyDenied when a member removes someone under the default policies', () => {
    const before = withMembership(withMembership(group(), BOB, 1n), 'c'.repeat(64), 1n);
    expectCode(() => assertGroupContextChangeAllowed(before, withoutMember(before, ALICE), BOB), 'Mls.PolicyDenied');
    expect(() => assertGroupContextChangeAllowed(before, withoutMember(before, BOB), ALICE)).not.toThrow();
  });
});
