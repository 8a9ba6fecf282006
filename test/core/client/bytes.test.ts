import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/core/client/bytes';
import { isParleyError } from '../../../src/core/errors';

/** The rule fromHex keeps: an even number of hex digits of either case, and nothing else. */
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function outcome(text: string): string {
  try {
    return `bytes ${toHex(fromHex(text))}`;
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
}

describe('fromHex', () => {
  it('reads lowercase and uppercase hex back to the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, upper) => {
        const hex = upper ? toHex(bytes).toUpperCase() : toHex(bytes);
        expect(fromHex(hex)).toEqual(bytes);
      }),
    );
  });

  it('refuses odd lengths, prefixes, spaces and non-hex characters as Client.BadInput', () => {
    for (const bad of ['a', 'abc', '0x00', ' 00', '00 ', 'zz', 'g0', '0\u0660', 'é0']) expect(outcome(bad)).toBe('Client.BadInput');
  });

  it('accepts a string exactly when it is hex, and never throws anything but Client.BadInput', () => {
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgx \n\u0660'), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(hexish, fc.string({ maxLength: 24 })), (text) => {
        const got = outcome(text);
        if (HEX.test(text)) expect(got).toBe(`bytes ${text.toLowerCase()}`);
        else expect(got).toBe('Client.BadInput');
      }),
    );
  });
});
