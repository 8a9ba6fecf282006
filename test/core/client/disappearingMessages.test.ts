import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  checkedDisappearingSettings,
  disappearingSettingsOf,
  expiredWindow,
  isDisappearingEnabled,
  isExpired,
} from '../../../src/core/client/disappearingMessages';
import { isParleyError } from '../../../src/core/errors';
import * as mutableMetadata from '../../../src/core/mls/extensionsMutableMetadata';
import { METADATA_FIELD, mutableMetadataExtension } from '../../../src/core/mls/extensionsMutableMetadata';

// Counts metadata decodes (the real decoder still runs) to show the settings cache at work.
vi.mock('../../../src/core/mls/extensionsMutableMetadata', async (importOriginal) => {
  const actual = await importOriginal<typeof mutableMetadata>();
  return { ...actual, decodeMutableMetadata: vi.fn(actual.decodeMutableMetadata) };
});

function withAttributes(attributes: Record<string, string>) {
  return [mutableMetadataExtension({ attributes: new Map(Object.entries(attributes)), adminList: [], superAdminList: [] })];
}

const I64_MAX = (1n << 63n) - 1n;

describe('disappearing-message settings in the mutable metadata', () => {
  it('reads both attributes as i64, as libxmtp parses them, and round-trips any i64 pair', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: I64_MAX }), fc.bigInt({ min: -(1n << 63n), max: I64_MAX }), (fromNs, inNs) => {
        const extensions = withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: fromNs.toString(), [METADATA_FIELD.messageDisappearInNs]: inNs.toString() });
        expect(disappearingSettingsOf(extensions)).toEqual({ fromNs, inNs });
      }),
    );
  });

  it('has no settings unless both attributes parse: any other text gives none, never a throw', () => {
    expect(disappearingSettingsOf(withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: '5' }))).toBeUndefined();
    expect(disappearingSettingsOf(withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: '5', [METADATA_FIELD.messageDisappearInNs]: '9223372036854775808' }))).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), fc.string({ maxLength: 24 }), (a, b) => {
        const settings = disappearingSettingsOf(withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: a, [METADATA_FIELD.messageDisappearInNs]: b }));
        const parses = (s: string) => /^[+-]?\d{1,19}$/.test(s) && BigInt(s) <= I64_MAX && BigInt(s) >= -(1n << 63n);
        expect(settings !== undefined).toBe(parses(a) && parses(b));
      }),
    );
  });

  it('is enabled only with both values positive (removal writes 0 and 0)', () => {
    expect(isDisappearingEnabled({ fromNs: 1n, inNs: 1n })).toBe(true);
    expect(isDisappearingEnabled({ fromNs: 0n, inNs: 0n })).toBe(false);
    expect(isDisappearingEnabled({ fromNs: 5n, inNs: 0n })).toBe(false);
    expect(isDisappearingEnabled({ fromNs: -1n, inNs: 10n })).toBe(false);
    expect(isDisappearingEnabled(undefined)).toBe(false);
  });

  it('refuses negative or out-of-range values for an update with Client.BadInput', () => {
    expect(checkedDisappearingSettings(1n, 2n)).toEqual({ fromNs: 1n, inNs: 2n });
    for (const [fromNs, inNs] of [
      [-1n, 1n],
      [1n, I64_MAX + 1n],
    ] as const) {
      let error: unknown;
      try {
        checkedDisappearingSettings(fromNs, inNs);
      } catch (e) {
        error = e;
      }
      expect(isParleyError(error, 'Client.BadInput')).toBe(true);
    }
  });
});

describe('the parsed-settings cache', () => {
  const decodes = () => vi.mocked(mutableMetadata.decodeMutableMetadata).mock.calls.length;

  it('decodes a metadata payload once, whether it holds settings or none', () => {
    for (const attributes of [{}, { [METADATA_FIELD.messageDisappearFromNs]: '5', [METADATA_FIELD.messageDisappearInNs]: '7' }]) {
      const extensions = withAttributes(attributes);
      const before = decodes();
      const first = disappearingSettingsOf(extensions);
      for (let i = 0; i < 5; i++) expect(disappearingSettingsOf(extensions)).toEqual(first);
      expect(decodes() - before).toBe(1);
    }
  });

  it('reads a new payload (a commit that changed the metadata) afresh', () => {
    const on = withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: '5', [METADATA_FIELD.messageDisappearInNs]: '7' });
    const off = withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: '0', [METADATA_FIELD.messageDisappearInNs]: '0' });
    expect(disappearingSettingsOf(on)).toEqual({ fromNs: 5n, inNs: 7n });
    expect(disappearingSettingsOf(off)).toEqual({ fromNs: 0n, inNs: 0n });
    expect(disappearingSettingsOf(on)).toEqual({ fromNs: 5n, inNs: 7n });
  });

  it('hands out settings no caller can change under the next one', () => {
    const extensions = withAttributes({ [METADATA_FIELD.messageDisappearFromNs]: '5', [METADATA_FIELD.messageDisappearInNs]: '7' });
    const settings = disappearingSettingsOf(extensions);
    expect(() => {
      if (settings !== undefined) settings.inNs = 1n;
    }).toThrow(TypeError);
    expect(disappearingSettingsOf(extensions)).toEqual({ fromNs: 5n, inNs: 7n });
  });

  it('still refuses a group without mutable metadata with Mls.MissingExtension', () => {
    let error: unknown;
    try {
      disappearingSettingsOf([]);
    } catch (e) {
      error = e;
    }
    expect(isParleyError(error, 'Mls.MissingExtension')).toBe(true);
  });
});

describe('which messages have expired', () => {
  const published = { kind: 'application' as const, deliveryStatus: 'published' as const };

  it('expires a message sent at or after fromNs once sentAtNs + inNs is reached, not before', () => {
    const settings = { fromNs: 100n, inNs: 10n };
    const window = expiredWindow(settings, 120n);
    expect(window).toEqual({ fromNs: 100n, toNs: 110n });
    expect(isExpired({ ...published, sentAtNs: 110n }, window)).toBe(true);
    expect(isExpired({ ...published, sentAtNs: 111n }, window)).toBe(false);
    expect(isExpired({ ...published, sentAtNs: 100n }, window)).toBe(true);
    expect(isExpired({ ...published, sentAtNs: 99n }, window)).toBe(false);
    expect(expiredWindow(settings, 109n)).toBeUndefined();
    expect(expiredWindow({ fromNs: 0n, inNs: 10n }, 1000n)).toBeUndefined();
  });

  it('never expires group updates or sends the node has not confirmed', () => {
    const window = { fromNs: 1n, toNs: 100n };
    expect(isExpired({ kind: 'membershipChange', deliveryStatus: 'published', sentAtNs: 50n }, window)).toBe(false);
    expect(isExpired({ kind: 'application', deliveryStatus: 'unpublished', sentAtNs: 50n }, window)).toBe(false);
    expect(isExpired({ kind: 'application', deliveryStatus: 'failed', sentAtNs: 50n }, window)).toBe(false);
  });

  it('agrees with the rule sentAtNs ≥ fromNs and sentAtNs + inNs ≤ now for any values', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 120n }), fc.bigInt({ min: 0n, max: 120n }), (fromNs, inNs, nowNs, sentAtNs) => {
        const rule = fromNs > 0n && inNs > 0n && sentAtNs >= fromNs && sentAtNs + inNs <= nowNs;
        expect(isExpired({ ...published, sentAtNs }, expiredWindow({ fromNs, inNs }, nowNs))).toBe(rule);
      }),
    );
  });
});
