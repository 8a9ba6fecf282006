import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../src/core/errors';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type ListenerRequest, type ListenerResponse } from '../../src/cli/listener/protocol';

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const request: fc.Arbitrary<ListenerRequest> = fc.oneof(
  fc.record({
    v: fc.constant(1 as const),
    command: fc.constant('send' as const),
    to: fc.oneof(hex(40).map((h) => `0x${h}`), hex(64), hex(32)),
    content: fc.oneof(
      fc.string({ minLength: 1, maxLength: 200 }).map((text) => ({ type: 'text' as const, text })),
      fc.string({ minLength: 1, maxLength: 200 }).map((markdown) => ({ type: 'markdown' as const, markdown })),
      fc.record({ type: fc.constant('reaction' as const), reference: hex(64), action: fc.constant('added' as const), schema: fc.constant('unicode' as const), content: fc.constantFrom('👍', '🎉') }),
    ),
    idempotencyKeyNs: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }).map(String),
  }),
  fc.constant({ v: 1 as const, command: 'conversations' as const }),
  fc.constant({ v: 1 as const, command: 'hmacKeys' as const }),
  fc.record({ v: fc.constant(1 as const), command: fc.constant('updateKeys' as const), conversationId: hex(32) }),
  fc.record({
    v: fc.constant(1 as const),
    command: fc.constant('group' as const),
    action: fc.oneof(
      fc.record({ op: fc.constant('permissions' as const), conversationId: hex(32) }),
      fc.record({ op: fc.constantFrom('admin' as const, 'superAdmin' as const), change: fc.constantFrom('add' as const, 'remove' as const), conversationId: hex(32), inboxId: hex(64) }),
      fc.record({ op: fc.constant('permission' as const), conversationId: hex(32), update: fc.constantFrom('addMember' as const, 'removeAdmin' as const), option: fc.constantFrom('allow' as const, 'superAdmin' as const) }),
      fc.record({ op: fc.constant('create' as const), name: fc.string({ maxLength: 100 }), members: fc.array(hex(64), { minLength: 1, maxLength: 3 }) }),
    ),
  }),
);
const response: fc.Arbitrary<ListenerResponse> = fc.oneof(
  fc.record({ v: fc.constant(1 as const), ok: fc.constant(true as const), lines: fc.array(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean()))) }),
  fc.record({
    v: fc.constant(1 as const),
    ok: fc.constant(false as const),
    error: fc.record({ code: fc.constantFrom('Agent.StoreBusy' as const, 'Api.Network' as const), message: fc.string({ maxLength: 100 }), details: fc.string({ maxLength: 100 }) }, { requiredKeys: ['code', 'message'] }),
  }),
);

function failsTyped(decode: () => unknown): boolean {
  try {
    decode();
    return false;
  } catch (e) {
    return isParleyError(e, 'Agent.BadRequest');
  }
}

describe('the listener socket protocol', () => {
  it('decodes what it encodes, requests and responses', () => {
    fc.assert(fc.property(request, (r) => {
        expect(decodeRequest(encodeRequest(r).trimEnd())).toEqual(r);
      }));
    fc.assert(fc.property(response, (r) => {
        expect(decodeResponse(encodeResponse(r).trimEnd())).toEqual(r);
      }));
  });

  it('gives Agent.BadRequest, never another throw, for random text and random JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
        for (const decode of [decodeRequest, decodeResponse]) {
          try {
            decode(line);
          } catch (e) {
            expect(isParleyError(e, 'Agent.BadRequest'), String(e)).toBe(true);
          }
        }
      }),
    );
  });

  it('refuses a group action with an unknown op, a bad inbox id, a field off or an extra field, as Agent.BadRequest', () => {
    const id = 'ab'.repeat(16);
    for (const action of [
      { op: 'owner', conversationId: id },
      { op: 'admin', change: 'add', conversationId: id, inboxId: 'xyz' },
      { op: 'permission', conversationId: id, update: 'updateMetadata', option: 'deny' },
      { op: 'permission', conversationId: id, update: 'addMember', option: 'deny', field: 'group_name' },
      { op: 'permissions', conversationId: id, extra: 1 },
      'permissions',
    ]) {
      expect(failsTyped(() => decodeRequest(JSON.stringify({ v: 1, command: 'group', action }))), JSON.stringify(action)).toBe(true);
    }
  });

  it('refuses requests and responses one field off', () => {
    const send = { v: 1, command: 'send', to: `0x${'ab'.repeat(20)}`, content: { type: 'text', text: 'hi' }, idempotencyKeyNs: '1' };
    const bad = [
      { ...send, v: 2 },
      { ...send, to: 'bob' },
      { ...send, content: { type: 'text', text: 'x'.repeat(200_000) } },
      { ...send, content: { type: 'groupUpdated' } },
      { ...send, content: 'hi' },
      { ...send, to: 'ab'.repeat(80) },
      { ...send, text: 'hi' },
      { ...send, idempotencyKeyNs: '9223372036854775808' },
      { ...send, idempotencyKeyNs: '01' },
      { ...send, extra: true },
      { v: 1, command: 'init' },
      [send],
    ];
    for (const value of bad) expect(failsTyped(() => decodeRequest(JSON.stringify(value))), JSON.stringify(value)).toBe(true);
    const badResponses = [
      { v: 1, ok: true, lines: [1] },
      { v: 1, ok: 'yes', lines: [] },
      { v: 1, ok: false, error: { code: 'no code', message: 'x' } },
      { v: 1, ok: false, error: { code: 'Agent.StoreBusy', message: 'x', more: 1 } },
    ];
    for (const value of badResponses) expect(failsTyped(() => decodeResponse(JSON.stringify(value))), JSON.stringify(value)).toBe(true);
  });
});
