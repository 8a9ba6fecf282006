import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applicationContentLength, MIN_PADDED_BYTES, padmeLength, paddedContentLength } from '../../../src/core/mls/padding';

describe('padmeLength', () => {
  it('rounds to the Padmé buckets of the PURBs paper', () => {
    // L → E = ⌊log2 L⌋, S = ⌊log2 E⌋ + 1: the low E − S bits are rounded up.
    expect([0, 1, 2, 3, 9, 256, 257, 1000, 1025, 100_000].map(padmeLength)).toEqual([0, 1, 2, 3, 10, 256, 272, 1024, 1088, 100_352]);
  });

  it('never shrinks, costs at most 12 %, is stable and keeps order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 40 }), fc.integer({ min: 0, max: 1_000_000 }), (length, step) => {
        const padded = padmeLength(length);
        expect(padded).toBeGreaterThanOrEqual(length);
        expect(padded - length).toBeLessThanOrEqual(length * 0.12);
        expect(padmeLength(padded)).toBe(padded);
        expect(padmeLength(length + step)).toBeGreaterThanOrEqual(padded);
      }),
    );
  });

  it('refuses what is not a length', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => padmeLength(bad)).toThrow(RangeError);
  });
});

describe('paddedContentLength', () => {
  it('lifts every short content to the minimum and leaves it alone without padding', () => {
    expect(paddedContentLength(70, 'padme')).toBe(MIN_PADDED_BYTES);
    expect(paddedContentLength(MIN_PADDED_BYTES + 1, 'padme')).toBe(padmeLength(MIN_PADDED_BYTES + 1));
    expect(paddedContentLength(70, 'none')).toBe(70);
  });
});

describe('applicationContentLength', () => {
  it('counts the data and signature vectors with their MLS length prefixes', () => {
    // 1-byte prefixes below 64, 2-byte to 16383, 4-byte beyond; the 64-byte signature takes 2 + 64.
    expect(applicationContentLength(10)).toBe(1 + 10 + 66);
    expect(applicationContentLength(64)).toBe(2 + 64 + 66);
    expect(applicationContentLength(16_384)).toBe(4 + 16_384 + 66);
  });
});
