import { serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, MAX_RECORD_BYTES } from '../../src/agent/recordCodec';
import { isParleyError } from '../../src/core/errors';

/** Plain data as the ClientStore's records hold it. */
const plainValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const record = fc.dictionary(fc.string({ maxLength: 12 }), plainValue, { maxKeys: 6 });

describe('store record codec', () => {
  it('gives back an equal record: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(decodeRecord(encodeRecord(r))).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps an own "__proto__" key a key', () => {
    const r = JSON.parse('{"__proto__": {"polluted": true}, "b": "x"}') as Record<string, unknown>;
    const back = decodeRecord(encodeRecord(r));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'b']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('gives every byte array its own buffer, unshared with the input', () => {
    const bytes = encodeRecord({ a: new Uint8Array([1, 2, 3]), b: new Uint8Array([4]) });
    const back = decodeRecord(bytes) as { a: Uint8Array; b: Uint8Array };
    bytes.fill(0);
    expect(back.a).toEqual(new Uint8Array([1, 2, 3]));
    expect(back.a.byteOffset).toBe(0);
    expect(back.a.buffer).not.toBe(back.b.buffer);
  });

  it('turns random bytes into a value or Agent.StoreCorrupt, never another throw', () => {
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // The serializer's header (0xff, version 15), so that the body is parsed.
      fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([0xff, 0x0f, ...b])),
      fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([0xff, 0x0f, 0x6f, ...b])),
    );
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        try {
          decodeRecord(bytes);
        } catch (e) {
          expect(isParleyError(e, 'Agent.StoreCorrupt')).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses what is not a plain object, and cyclic or oversized input', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodeRecord(cyclic)).toThrow(expect.objectContaining({ code: 'Client.BadInput' }));
    for (const bytes of [serialize([1, 2]), serialize(new Map()), serialize(new Date(0)), serialize(cyclic)]) {
      expect(() => decodeRecord(bytes)).toThrow(expect.objectContaining({ code: 'Agent.StoreCorrupt' }));
    }
    expect(() => decodeRecord({ length: MAX_RECORD_BYTES + 1 } as Uint8Array)).toThrow(expect.objectContaining({ code: 'Agent.StoreCorrupt' }));
  });

  it('refuses values structured clone cannot hold with Client.BadInput', () => {
    expect(() => encodeRecord({ f: () => 1 })).toThrow(expect.objectContaining({ code: 'Client.BadInput' }));
    expect(() => encodeRecord({ s: Symbol('x') })).toThrow(expect.objectContaining({ code: 'Client.BadInput' }));
  });
});
