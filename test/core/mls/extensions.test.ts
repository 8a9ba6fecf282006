import { create, toBinary } from '@bufbuild/protobuf';
import { GroupMetadataV1 } from '@xmtp/proto/mls/message_contents/group_metadata.pb';
import { GroupMembership as GroupMembershipPb } from '@xmtp/proto/mls/message_contents/group_membership.pb';
import { GroupMutableMetadataV1 } from '@xmtp/proto/mls/message_contents/group_mutable_metadata.pb';
import fc from 'fast-check';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { isParleyError, type ErrorCode } from '../../../src/core/errors';
import {
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_MUTABLE_METADATA,
  MAX_EXTENSION_BYTES,
  replaceExtension,
  requireExtensionData,
} from '../../../src/core/mls/extensions';
import { decodeGroupMetadata, groupMetadataExtension } from '../../../src/core/mls/extensionsGroupMetadata';
import { decodeMembership, membershipExtension } from '../../../src/core/mls/extensionsMembership';
import { decodeMutableMetadata, mutableMetadataExtension } from '../../../src/core/mls/extensionsMutableMetadata';
import { decodePermissions, MAX_POLICY_DEPTH, permissionsExtension } from '../../../src/core/mls/extensionsPermissions';
import { GroupMutablePermissionsSchema, type PolicyKindPb } from '../../../src/core/mls/extensionsSchema';
import { dmPolicySet } from '../../../src/core/mls/policies';
import { groupMetadataArb, membershipArb, mutableMetadataArb, policySetArb } from './extensionsArbitraries';

const DECODE_ERRORS: ErrorCode[] = ['Codec.Malformed', 'Codec.TooLarge'];

function expectOnlyParleyErrors(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (e) {
    expect(isParleyError(e) && DECODE_ERRORS.includes(e.code), String(e)).toBe(true);
  }
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isParleyError(thrown, code), String(thrown)).toBe(true);
}

/** Random bytes, and valid encodings with bytes overwritten, to reach past the first tag. */
function hostileBytes(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(
      ([bytes, edits]) => {
        const copy = bytes.slice();
        for (const [at, value] of edits) if (copy.length > 0) copy[at % copy.length] = value;
        return copy;
      },
    ),
  );
}

const codecs = [
  {
    name: 'immutable metadata (0xf000)',
    type: EXTENSION_IMMUTABLE_METADATA,
    arb: groupMetadataArb as fc.Arbitrary<unknown>,
    encode: (v: unknown) => groupMetadataExtension(v as Parameters<typeof groupMetadataExtension>[0]),
    decode: decodeGroupMetadata as (b: Uint8Array) => unknown,
  },
  {
    name: 'mutable metadata (0xff00)',
    type: EXTENSION_MUTABLE_METADATA,
    arb: mutableMetadataArb as fc.Arbitrary<unknown>,
    encode: (v: unknown) => mutableMetadataExtension(v as Parameters<typeof mutableMetadataExtension>[0]),
    decode: decodeMutableMetadata as (b: Uint8Array) => unknown,
  },
  {
    name: 'group membership (0xff01)',
    type: EXTENSION_GROUP_MEMBERSHIP,
    arb: membershipArb as fc.Arbitrary<unknown>,
    encode: (v: unknown) => membershipExtension(v as Parameters<typeof membershipExtension>[0]),
    decode: decodeMembership as (b: Uint8Array) => unknown,
  },
  {
    name: 'permissions (0xff02)',
    type: EXTENSION_GROUP_PERMISSIONS,
    arb: policySetArb as fc.Arbitrary<unknown>,
    encode: (v: unknown) => permissionsExtension(v as Parameters<typeof permissionsExtension>[0]),
    decode: decodePermissions as (b: Uint8Array) => unknown,
  },
];

describe.each(codecs)('the $name codec', ({ type, arb, encode, decode }) => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(arb, (value) => {
        const extension = encode(value);
        expect(extension.extensionType).toBe(type);
        expect(decode(extension.extensionData)).toEqual(value);
      }),
    );
  });

  it('throws only typed codec errors on hostile bytes', () => {
    fc.assert(
      fc.property(hostileBytes(arb.map((v) => encode(v).extensionData)), (bytes) => expectOnlyParleyErrors(decode, bytes)),
      { numRuns: 300 },
    );
  });

  it('refuses a payload above the size cap before decoding it', () => {
    expectCode(() => decode(new Uint8Array(MAX_EXTENSION_BYTES + 1)), 'Codec.TooLarge');
  });
});

describe('wire compatibility with libxmtp', () => {
  it('wraps the 0xf000 protobuf in a TLS length prefix, as openmls Metadata does', () => {
    const { extensionData } = groupMetadataExtension({ conversationType: 'group', creatorInboxId: 'ab' });
    const proto = GroupMetadataV1.encode({
      conversationType: 1,
      creatorAccountAddress: '',
      creatorInboxId: 'ab',
      dmMembers: undefined,
      oneshotMessage: undefined,
    }).finish();
    expect(extensionData[0]).toBe(proto.length);
    expect(extensionData.subarray(1)).toEqual(Uint8Array.from(proto));
  });

  it('writes mutable metadata that @xmtp/proto’s generated codec reads back', () => {
    fc.assert(
      fc.property(mutableMetadataArb.filter((m) => !m.attributes.has('__proto__')), (metadata) => {
        const decoded = GroupMutableMetadataV1.decode(mutableMetadataExtension(metadata).extensionData);
        expect(new Map(Object.entries(decoded.attributes))).toEqual(metadata.attributes);
        expect(decoded.adminList?.inboxIds).toEqual(metadata.adminList);
        expect(decoded.superAdminList?.inboxIds).toEqual(metadata.superAdminList);
      }),
    );
  });

  it('reads membership that @xmtp/proto’s generated codec writes', () => {
    const bytes = GroupMembershipPb.encode({
      members: { alice: Long.fromString('18446744073709551615', true), bob: Long.fromNumber(2, true) },
      failedInstallations: [new Uint8Array([9, 9])],
    }).finish();
    expect(decodeMembership(bytes)).toEqual({
      members: new Map([
        ['alice', (1n << 64n) - 1n],
        ['bob', 2n],
      ]),
      failedInstallations: [new Uint8Array([9, 9])],
    });
  });

  it('keeps an attribute named "__proto__", which a plain-object decoder loses', () => {
    const metadata = { attributes: new Map([['__proto__', 'x']]), adminList: [], superAdminList: [] };
    const { extensionData } = mutableMetadataExtension(metadata);
    expect(Object.keys(GroupMutableMetadataV1.decode(extensionData).attributes)).toEqual([]);
    expect(decodeMutableMetadata(extensionData).attributes.get('__proto__')).toBe('x');
  });

  it('lets the last entry win when a map key repeats, as prost does', () => {
    const first = mutableMetadataExtension({ attributes: new Map([['group_name', 'one']]), adminList: [], superAdminList: [] });
    const second = mutableMetadataExtension({ attributes: new Map([['group_name', 'two']]), adminList: [], superAdminList: [] });
    const joined = new Uint8Array([...first.extensionData, ...second.extensionData]);
    expect(decodeMutableMetadata(joined).attributes.get('group_name')).toBe('two');
  });
});

describe('decoders refuse what libxmtp refuses', () => {
  it('refuses attribute strings that are not UTF-8, as prost does', () => {
    // attributes { key: <one byte> }, admin_list {}, super_admin_list {}
    const withKeyByte = (b: number) => new Uint8Array([0x0a, 0x03, 0x0a, 0x01, b, 0x12, 0x00, 0x1a, 0x00]);
    expect([...decodeMutableMetadata(withKeyByte(0x61)).attributes.keys()]).toEqual(['a']);
    expectCode(() => decodeMutableMetadata(withKeyByte(0xff)), 'Codec.Malformed');
  });

  it('refuses mutable metadata without its admin lists', () => {
    expectCode(() => decodeMutableMetadata(GroupMutableMetadataV1.encode({ attributes: {}, adminList: undefined, superAdminList: undefined }).finish()), 'Codec.Malformed');
  });

  it('refuses a DM without its members, and an unspecified conversation type', () => {
    const encodeRaw = (conversationType: number) =>
      new Uint8Array([
        ...[0],
        ...GroupMetadataV1.encode({ conversationType, creatorAccountAddress: '', creatorInboxId: 'x', dmMembers: undefined, oneshotMessage: undefined }).finish(),
      ]);
    const withLength = (b: Uint8Array) => {
      b[0] = b.length - 1;
      return b;
    };
    expectCode(() => decodeGroupMetadata(withLength(encodeRaw(2))), 'Codec.Malformed');
    expectCode(() => decodeGroupMetadata(withLength(encodeRaw(0))), 'Codec.Malformed');
    expect(decodeGroupMetadata(withLength(encodeRaw(3))).conversationType).toBe('sync');
  });

  function permissionsWith(addMemberKind: PolicyKindPb): Uint8Array {
    const message = create(GroupMutablePermissionsSchema, {
      policies: {
        addMemberPolicy: { kind: addMemberKind },
        removeMemberPolicy: { kind: { case: 'base', value: 3 } },
        addAdminPolicy: { kind: { case: 'base', value: 3 } },
        removeAdminPolicy: { kind: { case: 'base', value: 3 } },
        updatePermissionsPolicy: { kind: { case: 'base', value: 3 } },
      },
    });
    return toBinary(GroupMutablePermissionsSchema, message);
  }

  it('refuses an unknown base policy, an empty condition and a missing policy', () => {
    expect(decodePermissions(permissionsWith({ case: 'base', value: 1 })).addMember).toEqual({ base: 'allow' });
    expectCode(() => decodePermissions(permissionsWith({ case: 'base', value: 0 })), 'Codec.Malformed');
    expectCode(() => decodePermissions(permissionsWith({ case: 'base', value: 5 })), 'Codec.Malformed');
    expectCode(() => decodePermissions(permissionsWith({ case: 'andCondition', value: { policies: [] } })), 'Codec.Malformed');
    expectCode(() => decodePermissions(permissionsWith({ case: undefined })), 'Codec.Malformed');
    expectCode(() => decodePermissions(new Uint8Array()), 'Codec.Malformed');
  });

  it('refuses policies nested deeper than the cap, and accepts them at the cap', () => {
    const nested = (depth: number): PolicyKindPb =>
      depth === 0 ? { case: 'base', value: 1 } : { case: 'anyCondition', value: { policies: [{ kind: nested(depth - 1) }] } };
    expect(() => decodePermissions(permissionsWith(nested(MAX_POLICY_DEPTH)))).not.toThrow();
    expectCode(() => decodePermissions(permissionsWith(nested(MAX_POLICY_DEPTH + 1))), 'Codec.Malformed');
    expectCode(() => decodePermissions(permissionsWith(nested(300))), 'Codec.Malformed');
  });

  it('decodes the DM policy set it encodes', () => {
    expect(decodePermissions(permissionsExtension(dmPolicySet()).extensionData)).toEqual(dmPolicySet());
  });
});

describe('extension lists', () => {
  it('names the missing XMTP extension', () => {
    expectCode(() => requireExtensionData([], EXTENSION_GROUP_MEMBERSHIP), 'Mls.MissingExtension');
  });

  it('replaces an extension in place and appends a new type, as openmls add_or_replace does', () => {
    const a = { extensionType: 0xff00, extensionData: new Uint8Array([1]) };
    const b = { extensionType: 0xff01, extensionData: new Uint8Array([2]) };
    const a2 = { extensionType: 0xff00, extensionData: new Uint8Array([3]) };
    const c = { extensionType: 0xff02, extensionData: new Uint8Array([4]) };
    expect(replaceExtension([a, b], a2)).toEqual([a2, b]);
    expect(replaceExtension([a, b], c)).toEqual([a, b, c]);
  });
});
