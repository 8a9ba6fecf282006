import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeMlsMessage } from 'ts-mls';
import { ParleyError } from '../../../src/core/errors';
import { parseGroupMessageFraming } from '../../../src/core/mls/framing';
import type { TwoPartyGroup } from './framingGroupKit';
import { addProposalTls, aliceAddsBob, applicationMessageTls, emptyCommitTls, newMember, tlsOf } from './framingGroupKit';

function failure(run: () => unknown): ParleyError {
  try {
    run();
  } catch (e) {
    if (e instanceof ParleyError) return e;
    throw e;
  }
  throw new Error('expected a ParleyError');
}

describe('parseGroupMessageFraming on messages ts-mls produced', () => {
  let group: TwoPartyGroup;
  beforeAll(async () => {
    group = await aliceAddsBob();
  });

  it('reads the add commit: private, commit, epoch 0, the group id', () => {
    expect(parseGroupMessageFraming(group.addCommitTls)).toEqual({
      groupId: group.groupId,
      epoch: 0n,
      contentType: 'commit',
      wireFormat: 'private',
    });
  });

  it('reads an application message sent after the add: epoch 1', async () => {
    const tls = await applicationMessageTls(group.aliceAtEpoch1, 'gm');
    expect(parseGroupMessageFraming(tls)).toEqual({ groupId: group.groupId, epoch: 1n, contentType: 'application', wireFormat: 'private' });
  });

  it('reads a commit sent as a PublicMessage', async () => {
    const tls = await emptyCommitTls(group.aliceAtEpoch1, true);
    expect(parseGroupMessageFraming(tls)).toEqual({ groupId: group.groupId, epoch: 1n, contentType: 'commit', wireFormat: 'public' });
  });

  it('reads proposals, public and private', async () => {
    const carol = await newMember();
    const publicTls = await addProposalTls(group.aliceAtEpoch1, carol.keyPackage, true);
    const privateTls = await addProposalTls(group.aliceAtEpoch1, carol.keyPackage, false);
    expect(parseGroupMessageFraming(publicTls)).toMatchObject({ epoch: 1n, contentType: 'proposal', wireFormat: 'public' });
    expect(parseGroupMessageFraming(privateTls)).toMatchObject({ epoch: 1n, contentType: 'proposal', wireFormat: 'private' });
  });

  it('refuses a welcome sent as a group message', () => {
    const tls = tlsOf({ version: 'mls10', wireformat: 'mls_welcome', welcome: group.welcome });
    const err = failure(() => parseGroupMessageFraming(tls));
    expect(err.code).toBe('Codec.Malformed');
    expect(err.details).toBe('wire format mls_welcome is not a group message');
  });

  it('refuses a key package sent as a group message', () => {
    const tls = tlsOf({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: group.bob.keyPackage });
    expect(failure(() => parseGroupMessageFraming(tls)).details).toBe('wire format mls_key_package is not a group message');
  });

  it('refuses every truncation and trailing garbage', () => {
    const tls = group.addCommitTls;
    for (const cut of [0, 1, 2, 4, 10, tls.length >> 1, tls.length - 1]) {
      expect(failure(() => parseGroupMessageFraming(tls.subarray(0, cut))).code).toBe('Codec.Malformed');
    }
    expect(failure(() => parseGroupMessageFraming(new Uint8Array([...tls, 0]))).details).toBe('not a TLS MLSMessage: 1 trailing bytes');
  });
});

describe('parseGroupMessageFraming properties', () => {
  it('reads back the framing of any encoded PrivateMessage', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.constantFrom('application' as const, 'proposal' as const, 'commit' as const),
        fc.uint8Array({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 256 }),
        (groupId, epoch, contentType, authenticatedData, encryptedSenderData, ciphertext) => {
          const tls = encodeMlsMessage({
            version: 'mls10',
            wireformat: 'mls_private_message',
            privateMessage: { groupId, epoch, contentType, authenticatedData, encryptedSenderData, ciphertext },
          });
          expect(parseGroupMessageFraming(tls)).toEqual({ groupId, epoch, contentType, wireFormat: 'private' });
        },
      ),
    );
  });

  it('gives only Codec.Malformed for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
        try {
          parseGroupMessageFraming(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('Codec.Malformed');
          return;
        }
        // Random bytes can parse only if they start with an mls10 private or public message header.
        expect([0x00010001, 0x00010002]).toContain(Buffer.from(bytes.subarray(0, 4)).readUInt32BE(0));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives only Codec.Malformed for random bytes behind a group-message header', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 512 }), (wire, body) => {
        const bytes = new Uint8Array([0, 1, 0, wire, ...body]);
        try {
          parseGroupMessageFraming(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('Codec.Malformed');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses input over 25 MiB as too large', () => {
    expect(failure(() => parseGroupMessageFraming(new Uint8Array(25 * 1024 * 1024 + 1))).code).toBe('Codec.TooLarge');
  });
});
