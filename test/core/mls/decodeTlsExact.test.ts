import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { decodeVarLenData, varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { decodeTlsExact } from '../../../src/core/mls/decodeTlsExact';

describe('decodeTlsExact', () => {
  it('round-trips any opaque<V>', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20000 }), (data) => {
        expect(decodeTlsExact(decodeVarLenData, encode(varLenDataEncoder)(data))).toEqual({ ok: true, value: data });
      }),
      { numRuns: 200 },
    );
  });

  it('reports trailing bytes', () => {
    expect(decodeTlsExact(decodeVarLenData, new Uint8Array([1, 7, 9]))).toEqual({ ok: false, reason: '1 trailing bytes' });
  });

  it('turns ts-mls throws into a failed result', () => {
    expect(decodeTlsExact(decodeVarLenData, new Uint8Array([5, 1]))).toMatchObject({ ok: false });
    expect(decodeTlsExact(decodeVarLenData, new Uint8Array())).toMatchObject({ ok: false });
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => typeof decodeTlsExact(decodeVarLenData, bytes).ok === 'boolean'));
  });
});
