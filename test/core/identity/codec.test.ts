import { bytesToHex } from '@noble/hashes/utils.js';
import { IdentityUpdate as IdentityUpdateProto } from '@xmtp/proto/identity/associations/association.pb';
import { PublishIdentityUpdateRequest } from '@xmtp/proto/identity/api/v1/identity.pb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import {
  decodeIdentityUpdate,
  encodeIdentityUpdate,
  identityUpdateToProto,
  MAX_IDENTITY_UPDATE_BYTES,
  parseAccountId,
} from '../../../src/core/identity';
import { updateArb } from './arbitraries';
import { expectCode, fixtureRequestBytes, fixtureUpdate, FIXTURE_ADDRESS, FIXTURE_INSTALLATION } from './helpers';

function onlyParleyErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!isParleyError(e) || !e.code.startsWith('Codec.')) throw e;
  }
}

describe('identity update codec', () => {
  it('decodes node-sdk’s update and re-encodes it byte for byte', () => {
    const update = fixtureUpdate();
    expect(update.actions.map((a) => a.kind)).toEqual(['createInbox', 'addAssociation']);
    const create = update.actions[0];
    expect(create?.kind === 'createInbox' && create.identifier).toEqual({ kind: 'ethereum', address: FIXTURE_ADDRESS });
    const add = update.actions[1];
    expect(add?.kind === 'addAssociation' && add.newMember.kind === 'installation' && bytesToHex(add.newMember.publicKey)).toBe(
      FIXTURE_INSTALLATION,
    );
    const request = PublishIdentityUpdateRequest.decode(fixtureRequestBytes());
    const original = IdentityUpdateProto.encode(request.identityUpdate!).finish();
    expect(bytesToHex(encodeIdentityUpdate(update))).toBe(bytesToHex(original));
  });

  it('round-trips every update shape: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(updateArb, (update) => {
        expect(decodeIdentityUpdate(encodeIdentityUpdate(update))).toEqual(update);
      }),
      { numRuns: 300 },
    );
  });

  it('gives only Codec errors for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyParleyErrors(() => decodeIdentityUpdate(bytes))),
      { numRuns: 2000 },
    );
  });

  it('gives only Codec errors for corrupted real updates', () => {
    const valid = encodeIdentityUpdate(fixtureUpdate());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: valid.length }),
        (edits, cut) => {
          const bytes = valid.slice(0, Math.max(cut, 1));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          onlyParleyErrors(() => decodeIdentityUpdate(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses an oversized update before decoding it', async () => {
    await expectCode(() => decodeIdentityUpdate(new Uint8Array(MAX_IDENTITY_UPDATE_BYTES + 1)), 'Codec.TooLarge');
  });

  it('refuses an action without a signature, or with two oneof variants', async () => {
    const proto = identityUpdateToProto(fixtureUpdate());
    const noSig = IdentityUpdateProto.fromPartial({
      ...proto,
      actions: [{ createInbox: { ...proto.actions[0]!.createInbox!, initialIdentifierSignature: undefined } }],
    });
    await expectCode(() => decodeIdentityUpdate(IdentityUpdateProto.encode(noSig).finish()), 'Codec.Malformed');

    const twoKinds = IdentityUpdateProto.fromPartial({
      ...proto,
      actions: [{ createInbox: proto.actions[0]!.createInbox!, add: proto.actions[1]!.add! }],
    });
    await expectCode(() => decodeIdentityUpdate(IdentityUpdateProto.encode(twoKinds).finish()), 'Codec.Malformed');

    const noKind = IdentityUpdateProto.fromPartial({ ...proto, actions: [{}] });
    await expectCode(() => decodeIdentityUpdate(IdentityUpdateProto.encode(noKind).finish()), 'Codec.Malformed');
  });

  it('reads an unspecified identifier kind as Ethereum, and refuses a passkey that is not hex', async () => {
    const proto = identityUpdateToProto(fixtureUpdate());
    const create = proto.actions[0]!.createInbox!;
    const unspecified = IdentityUpdateProto.fromPartial({ ...proto, actions: [{ createInbox: { ...create, initialIdentifierKind: 0 } }] });
    const decoded = decodeIdentityUpdate(IdentityUpdateProto.encode(unspecified).finish());
    expect(decoded.actions[0]?.kind === 'createInbox' && decoded.actions[0].identifier.kind).toBe('ethereum');

    const badPasskey = IdentityUpdateProto.fromPartial({ ...proto, actions: [{ createInbox: { ...create, initialIdentifierKind: 2 } }] });
    await expectCode(() => decodeIdentityUpdate(IdentityUpdateProto.encode(badPasskey).finish()), 'Codec.Malformed');
  });

  it('refuses a smart-wallet signature whose account id is not CAIP-10, as libxmtp does while decoding', async () => {
    const proto = identityUpdateToProto(fixtureUpdate());
    const scw = (accountId: string) =>
      IdentityUpdateProto.encode(
        IdentityUpdateProto.fromPartial({
          ...proto,
          actions: [
            { createInbox: { ...proto.actions[0]!.createInbox!, initialIdentifierSignature: { erc6492: { accountId, blockNumber: 7 } } } },
          ],
        }),
      ).finish();
    expect(decodeIdentityUpdate(scw(`eip155:8453:${FIXTURE_ADDRESS}`)).actions).toHaveLength(1);
    await expectCode(() => decodeIdentityUpdate(scw(FIXTURE_ADDRESS)), 'Codec.Malformed');
    await expectCode(() => decodeIdentityUpdate(scw(`EIP155:1:${FIXTURE_ADDRESS}`)), 'Codec.Malformed');
    await expectCode(() => decodeIdentityUpdate(scw(`eip155:1:${FIXTURE_ADDRESS}:x`)), 'Codec.Malformed');
  });

  it('parses CAIP-10 with libxmtp’s patterns', () => {
    expect(parseAccountId('eip155:1:0xabc')).toEqual({ chainId: 'eip155:1', accountAddress: '0xabc' });
    expect(parseAccountId('ab:1:0xabc')).toBeUndefined();
    expect(parseAccountId(`eip155:1:${'a'.repeat(129)}`)).toBeUndefined();
    expect(parseAccountId('eip155:1:0x/abc')).toBeUndefined();
  });
});
