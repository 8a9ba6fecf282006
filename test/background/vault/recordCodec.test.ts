import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../../src/background/vault/recordCodec';
import { isParleyError } from '../../../src/core/errors';

const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('$n', '$b', '$$x', '$', '__proto__', 'constructor'));
const record = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('vault record codec', () => {
  it('gives back what it encoded, bigint and bytes included', () => {
    fc.assert(
      fc.property(record, (value) => {
        expect(decodeRecord(encodeRecord(value))).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a record whose keys look like its tags apart from the tags', () => {
    const value = { $n: '5', $b: 'AA==', $$n: 1, nested: [{ $n: 7n }] };
    expect(decodeRecord(encodeRecord(value))).toEqual(value);
  });

  it('gives Vault.Corrupt, never another throw, for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeRecord(bytes);
        } catch (e) {
          expect(isParleyError(e, 'Vault.Corrupt')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives Vault.Corrupt for malformed tags and deep nesting', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const text of ['{"$n":"1.5"}', '{"$b":5}', '{"$b":"%%%"}', '{"$x":1}', '['.repeat(200_000) + ']'.repeat(200_000)]) {
      expect(() => decodeRecord(enc(text))).toThrow(expect.objectContaining({ code: 'Vault.Corrupt' }));
    }
  });
});
