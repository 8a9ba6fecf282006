import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import type { DownFrame, RequestFrame } from '../../../src/core/rpc';
import { assertJsonWithin, isPageEnvelope, PAGE_CHANNEL, parseDownFrame, parseRequestFrame, REQUEST_BUDGET, requestIdOf } from '../../../src/core/rpc';

const requestFrame: fc.Arbitrary<RequestFrame> = fc.record(
  {
    type: fc.constant('request' as const),
    id: fc.oneof(fc.maxSafeInteger(), fc.string({ maxLength: 64 })),
    method: fc.string({ maxLength: 64 }),
    params: fc.jsonValue({ maxDepth: 4 }),
  },
  { requiredKeys: ['type', 'id', 'method'] },
);

const downFrame: fc.Arbitrary<DownFrame> = fc.oneof(
  fc.record({ type: fc.constant('response' as const), id: fc.maxSafeInteger(), result: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    type: fc.constant('response' as const),
    id: fc.string({ maxLength: 64 }),
    error: fc.record({ code: fc.integer(), message: fc.string() }),
  }),
  fc.record({
    type: fc.constant('event' as const),
    event: fc.constantFrom('message' as const, 'conversation' as const, 'accessChanged' as const, 'disconnect' as const),
    data: fc.jsonValue({ maxDepth: 3 }),
  }),
);

function typedOrOk(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expect(isParleyError(e)).toBe(true);
    expect(['Rpc.InvalidParams', 'Codec.TooLarge']).toContain((e as { code: string }).code);
  }
}

describe('request frames', () => {
  it('parse back to what was framed', () => {
    fc.assert(fc.property(requestFrame, (frame) => {
        expect(parseRequestFrame(structuredClone(frame))).toEqual(frame);
      }));
  });

  it('give a typed error, never another throw, for anything else', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true }), (v) =>
        typedOrOk(() => parseRequestFrame(v)),
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses a frame over the size budget before reading its fields', () => {
    const big = { type: 'request', id: 1, method: 'xmtp_sendMessage', params: { text: 'x'.repeat(REQUEST_BUDGET.maxChars + 1) } };
    expect(() => parseRequestFrame(big)).toThrow(expect.objectContaining({ code: 'Codec.TooLarge' }));
  });

  it('refuses a cyclic frame as too large instead of looping', () => {
    const cyclic: Record<string, unknown> = { type: 'request', id: 1, method: 'm' };
    cyclic['params'] = cyclic;
    expect(() => parseRequestFrame(cyclic)).toThrow(expect.objectContaining({ code: 'Codec.TooLarge' }));
  });

  it('refuses values structured clone carries but JSON does not', () => {
    for (const params of [new Map(), new Uint8Array(2), new Date(0), Number.NaN, 10n]) {
      expect(() => parseRequestFrame({ type: 'request', id: 1, method: 'm', params })).toThrow(
        expect.objectContaining({ code: 'Rpc.InvalidParams' }),
      );
    }
  });

  it('accepts plain objects of another realm (what Firefox gives content scripts) but not its Maps', () => {
    const page = runInNewContext('({ type: "request", id: 1, method: "m", params: { list: [{ a: 1 }] } })') as unknown;
    expect(parseRequestFrame(page)).toEqual({ type: 'request', id: 1, method: 'm', params: { list: [{ a: 1 }] } });
    const withMap = runInNewContext('({ type: "request", id: 1, method: "m", params: new Map() })') as unknown;
    expect(() => parseRequestFrame(withMap)).toThrow(expect.objectContaining({ code: 'Rpc.InvalidParams' }));
    class Custom {
      type = 'request';
    }
    expect(() => parseRequestFrame(new Custom())).toThrow(expect.objectContaining({ code: 'Rpc.InvalidParams' }));
  });

  it('refuses a sparse array whose length is over budget without walking it', () => {
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(() => assertJsonWithin(sparse, REQUEST_BUDGET)).toThrow(expect.objectContaining({ code: 'Codec.TooLarge' }));
  });

  it('finds the id of a malformed frame so the error can go back to it', () => {
    expect(requestIdOf({ id: 7, method: 5 })).toBe(7);
    expect(requestIdOf({ id: { x: 1 } })).toBeUndefined();
  });
});

describe('down frames', () => {
  it('parse back to what was framed', () => {
    fc.assert(fc.property(downFrame, (frame) => {
        expect(parseDownFrame(structuredClone(frame))).toEqual(frame);
      }));
  });

  it('give a typed error, never another throw, for anything else', () => {
    fc.assert(fc.property(fc.anything({ withNullPrototype: true }), (v) => typedOrOk(() => parseDownFrame(v))), { numRuns: 2000 });
  });
});

describe('page envelopes', () => {
  it('are ours only with the channel tag and the direction asked for', () => {
    expect(isPageEnvelope({ channel: PAGE_CHANNEL, direction: 'toExtension' }, 'toExtension')).toBe(true);
    expect(isPageEnvelope({ channel: PAGE_CHANNEL, direction: 'toPage' }, 'toExtension')).toBe(false);
    expect(isPageEnvelope({ channel: 'other', direction: 'toExtension' }, 'toExtension')).toBe(false);
    expect(isPageEnvelope(Object.create({ channel: PAGE_CHANNEL, direction: 'toExtension' }), 'toExtension')).toBe(false);
    expect(isPageEnvelope('parley:v1', 'toExtension')).toBe(false);
  });
});
