import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMlsMessage } from 'ts-mls';
import { ParleyError } from '../../../src/core/errors';
import { parseGroupMessageFraming } from '../../../src/core/mls/framing';
import { groupMessageFraming, privateMessageFraming } from '../../../src/node/service/privateMessageHeader';

const CONTENT_TYPES = ['application', 'proposal', 'commit'] as const;

const privateMessage = fc.record({
  groupId: fc.uint8Array({ maxLength: 300 }),
  epoch: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  authenticatedData: fc.uint8Array({ maxLength: 80 }),
  encryptedSenderData: fc.uint8Array({ maxLength: 80 }),
  // Past 16,383 bytes the length prefix takes its 4-byte form.
  ciphertext: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 16_384, maxLength: 16_500 })),
});

interface PrivateFields {
  groupId: Uint8Array;
  epoch: bigint;
  contentType: (typeof CONTENT_TYPES)[number];
  authenticatedData: Uint8Array;
  encryptedSenderData: Uint8Array;
  ciphertext: Uint8Array;
}

function encodePrivate(m: PrivateFields): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: m });
}

/** What src/core's parser says: its framing, or its error code and details. */
function coreOutcome(bytes: Uint8Array): unknown {
  try {
    return parseGroupMessageFraming(bytes);
  } catch (e) {
    if (e instanceof ParleyError) return { code: e.code, details: e.details };
    throw e;
  }
}

function nodeOutcome(bytes: Uint8Array): unknown {
  try {
    return groupMessageFraming(bytes);
  } catch (e) {
    if (e instanceof ParleyError) return { code: e.code, details: e.details };
    throw e;
  }
}

describe('groupMessageFraming (private-message header read in place)', () => {
  it('reads group id, epoch and content type of any private message as the full parser does', () => {
    fc.assert(
      fc.property(privateMessage, (m) => {
        const bytes = encodePrivate(m);
        const fast = privateMessageFraming(bytes);
        expect(fast).toEqual({ groupId: m.groupId, epoch: m.epoch, contentType: m.contentType, wireFormat: 'private' });
        expect(fast).toEqual(parseGroupMessageFraming(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('hands the group id over as a copy, not a view of the request', () => {
    const bytes = encodePrivate({ groupId: new Uint8Array([1, 2, 3]), epoch: 1n, contentType: 'application', authenticatedData: new Uint8Array(), encryptedSenderData: new Uint8Array(4), ciphertext: new Uint8Array(8) });
    const framing = privateMessageFraming(bytes)!;
    expect(framing.groupId.buffer).not.toBe(bytes.buffer);
  });

  it('agrees with the full parser on truncated, extended and corrupted private messages', () => {
    fc.assert(
      fc.property(privateMessage, fc.nat(), fc.nat(255), fc.constantFrom('truncate', 'extend', 'flip'), (m, where, value, how) => {
        const good = encodePrivate(m);
        const at = where % good.length;
        let bytes: Uint8Array;
        if (how === 'truncate') bytes = good.subarray(0, at);
        else if (how === 'extend') bytes = Uint8Array.from([...good, value]);
        else {
          bytes = good.slice();
          bytes[at] = value;
        }
        expect(nodeOutcome(bytes)).toEqual(coreOutcome(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the full parser on random bytes, and throws only typed errors', () => {
    const header = fc.constantFrom([0, 1, 0, 2], [0, 1, 0, 1], [0, 2, 0, 2], [0, 1, 0, 3], []);
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 200 }), (h, rest) => {
        const bytes = Uint8Array.from([...h, ...rest]);
        const outcome = nodeOutcome(bytes);
        expect(outcome).toEqual(coreOutcome(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a private message that is a view into a larger buffer', () => {
    const bytes = encodePrivate({ groupId: new Uint8Array([9]), epoch: 7n, contentType: 'commit', authenticatedData: new Uint8Array(), encryptedSenderData: new Uint8Array(2), ciphertext: new Uint8Array(3) });
    const padded = new Uint8Array(bytes.length + 20);
    padded.set(bytes, 10);
    const view = padded.subarray(10, 10 + bytes.length);
    expect(privateMessageFraming(view)).toEqual({ groupId: new Uint8Array([9]), epoch: 7n, contentType: 'commit', wireFormat: 'private' });
    // One byte short of the message inside the same buffer: refused, although the buffer goes on.
    expect(privateMessageFraming(padded.subarray(10, 9 + bytes.length))).toBeUndefined();
  });

  it('leaves public messages to the full parser', () => {
    const bytes = Uint8Array.from([0, 1, 0, 1, 0]);
    expect(privateMessageFraming(bytes)).toBeUndefined();
    expect(nodeOutcome(bytes)).toEqual(coreOutcome(bytes));
  });
});
