import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveRecordKeys, nameOf, openRecord, sealRecord } from '../../src/agent/recordCipher';
import { isParleyError } from '../../src/core/errors';

const keys = deriveRecordKeys(new Uint8Array(32).fill(7));
const otherKeys = deriveRecordKeys(new Uint8Array(32).fill(8));
const ad = new TextEncoder().encode('messages\u0000k1');

describe('record sealing', () => {
  it('opens what it sealed: open(seal(x)) = x, with a fresh nonce each time', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), (plain, aad) => {
        const sealed = sealRecord(keys, aad, plain);
        expect(sealed.length).toBe(plain.length + 28);
        expect(openRecord(keys, aad, sealed)).toEqual(plain);
        expect(sealRecord(keys, aad, plain)).not.toEqual(sealed);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses another key, other associated data and any altered byte with Agent.StoreCorrupt', () => {
    const sealed = sealRecord(keys, ad, new TextEncoder().encode('hello'));
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isParleyError(e, 'Agent.StoreCorrupt');
      }
      return false;
    };
    expect(refused(() => openRecord(otherKeys, ad, sealed))).toBe(true);
    expect(refused(() => openRecord(keys, new TextEncoder().encode('messages\u0000k2'), sealed))).toBe(true);
    for (let i = 0; i < sealed.length; i++) {
      const altered = sealed.slice();
      altered[i]! ^= 1;
      expect(refused(() => openRecord(keys, ad, altered)), `byte ${i}`).toBe(true);
    }
  });

  it('turns random bytes into Agent.StoreCorrupt, never another throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(() => openRecord(keys, ad, bytes)).toThrow(expect.objectContaining({ code: 'Agent.StoreCorrupt' }));
      }),
      { numRuns: 500 },
    );
  });

  it('names ids per key and per domain, and the same id the same way', () => {
    expect(nameOf(keys, 'group', 'aa')).toBe(nameOf(keys, 'group', 'aa'));
    expect(nameOf(keys, 'group', 'aa')).not.toBe(nameOf(keys, 'message', 'aa'));
    expect(nameOf(keys, 'group', 'aa')).not.toBe(nameOf(otherKeys, 'group', 'aa'));
    expect(nameOf(keys, 'group', 'aa')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('derives sealing and naming keys that differ from each other and from the master key', () => {
    const master = new Uint8Array(32).fill(7);
    expect(keys.seal).not.toEqual(keys.name);
    expect(keys.seal).not.toEqual(master);
    expect(() => deriveRecordKeys(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'Client.BadInput' }));
  });
});
