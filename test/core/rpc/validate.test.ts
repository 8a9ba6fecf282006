import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import type { RpcMethod } from '../../../src/core/rpc';
import { MAX_IDENTIFIERS, RPC_METHODS, validateParams, validateRequest } from '../../../src/core/rpc';

const alice = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const groupId = '0123456789abcdef0123456789abcdef';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
  return 'no error';
}

describe('validateRequest', () => {
  it('rejects an unknown method with Rpc.UnsupportedMethod', () => {
    expect(codeOf(() => validateRequest('eth_sendTransaction', undefined))).toBe('Rpc.UnsupportedMethod');
    expect(codeOf(() => validateRequest('__proto__', undefined))).toBe('Rpc.UnsupportedMethod');
    expect(codeOf(() => validateRequest(42, undefined))).toBe('Rpc.UnsupportedMethod');
  });

  it('has a validator for every method of the schema', () => {
    expect(Object.keys(validateParams).sort()).toEqual([...RPC_METHODS].sort());
  });

  it('gives a typed error, never another throw, for any params of any method', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RPC_METHODS), fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true }), (method, params) => {
        try {
          validateRequest(method, params);
        } catch (e) {
          expect(isParleyError(e, 'Rpc.InvalidParams')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('method validators', () => {
  it('accepts the params of DESIGN §4 and gives them back unchanged', () => {
    const cases: { [M in RpcMethod]?: unknown } = {
      xmtp_requestAccess: { scope: 'inbox' },
      xmtp_canMessage: { identifiers: [alice] },
      xmtp_listConversations: { kind: 'group' },
      xmtp_createDm: { identifier: alice },
      xmtp_createGroup: { identifiers: [alice], name: 'Team', description: 'd', imageUrl: 'https://x.test/i.png' },
      xmtp_getMessages: { conversationId: groupId, limit: 50, beforeNs: '1700000000000000000' },
      xmtp_sendMessage: { conversationId: groupId, content: { type: 'text', text: 'hi' } },
      xmtp_updateGroup: { conversationId: groupId, name: 'New' },
      xmtp_addMembers: { conversationId: groupId, identifiers: [alice] },
      xmtp_removeMembers: { conversationId: groupId, identifiers: [alice] },
      xmtp_setConsent: { conversationId: groupId, state: 'denied' },
      xmtp_groupPermissions: { conversationId: groupId },
      xmtp_addAdmin: { conversationId: groupId, inboxId: 'ab'.repeat(32) },
      xmtp_removeSuperAdmin: { conversationId: groupId, inboxId: 'cd'.repeat(32) },
      xmtp_updatePermission: { conversationId: groupId, update: 'updateMetadata', option: 'superAdmin', field: 'description' },
    };
    for (const [method, params] of Object.entries(cases)) {
      expect(validateRequest(method, params)).toEqual({ method, params });
    }
  });

  it('takes no params, {} or [] for methods without params, and refuses others', () => {
    for (const p of [undefined, null, {}, []]) expect(validateParams.xmtp_getInbox(p)).toBeUndefined();
    expect(codeOf(() => validateParams.xmtp_getInbox({ x: 1 }))).toBe('Rpc.InvalidParams');
  });

  it('lowercases addresses and drops duplicates', () => {
    const upper = '0x70997970C51812DC3A010C7D01B50E0D17DC79C8';
    expect(validateParams.xmtp_canMessage({ identifiers: [upper, alice] })).toEqual({ identifiers: [alice] });
  });

  it('refuses identifiers that are not 0x addresses', () => {
    for (const id of ['alice.eth', '0x1234', `${alice}00`, 42, null]) {
      expect(codeOf(() => validateParams.xmtp_createDm({ identifier: id }))).toBe('Rpc.InvalidParams');
    }
  });

  it(`refuses more than ${MAX_IDENTIFIERS} identifiers before reading them`, () => {
    const many = new Array(MAX_IDENTIFIERS + 1).fill(alice);
    expect(codeOf(() => validateParams.xmtp_createGroup({ identifiers: many }))).toBe('Rpc.InvalidParams');
  });

  it('refuses conversation ids that are not even-length lowercase hex', () => {
    for (const id of ['', 'abc', 'ABCD', 'zz', 'a'.repeat(258)]) {
      expect(codeOf(() => validateParams.xmtp_getMessages({ conversationId: id }))).toBe('Rpc.InvalidParams');
    }
  });

  it('refuses a beforeNs beyond u64 and a limit outside 1..1000', () => {
    expect(codeOf(() => validateParams.xmtp_getMessages({ conversationId: groupId, beforeNs: '18446744073709551616' }))).toBe('Rpc.InvalidParams');
    expect(validateParams.xmtp_getMessages({ conversationId: groupId, beforeNs: '18446744073709551615' }).beforeNs).toBe('18446744073709551615');
    for (const limit of [0, 1001, 1.5, '10']) {
      expect(codeOf(() => validateParams.xmtp_getMessages({ conversationId: groupId, limit }))).toBe('Rpc.InvalidParams');
    }
  });

  it('maps invalid message content to Rpc.InvalidParams naming the field', () => {
    try {
      validateParams.xmtp_sendMessage({ conversationId: groupId, content: { type: 'text', text: 5 } });
      expect.unreachable();
    } catch (e) {
      expect(isParleyError(e, 'Rpc.InvalidParams')).toBe(true);
      expect((e as { details: string }).details).toContain('params.content');
    }
  });

  it('reads only own properties: an inherited field is not a param', () => {
    const params = Object.create({ identifier: alice }) as object;
    expect(codeOf(() => validateParams.xmtp_createDm(params))).toBe('Rpc.InvalidParams');
  });

  it('refuses an updateGroup with nothing to update', () => {
    expect(codeOf(() => validateParams.xmtp_updateGroup({ conversationId: groupId }))).toBe('Rpc.InvalidParams');
  });

  it('takes a preset or options for a new group’s permissions, and refuses anything else', () => {
    expect(validateParams.xmtp_createGroup({ identifiers: [], permissions: 'admin_only' })).toEqual({ identifiers: [], permissions: 'admin_only' });
    const custom = { addMember: 'admin', removeAdmin: 'deny', updateMetadata: { group_name: 'superAdmin' } };
    expect(validateParams.xmtp_createGroup({ identifiers: [], permissions: custom })).toEqual({ identifiers: [], permissions: custom });
    for (const permissions of ['everyone', 7, { addMember: 'sometimes' }, { updateMetadata: { _commit_log_signer: 'allow' } }, { updateMetadata: { group_name: 'x' } }]) {
      expect(codeOf(() => validateParams.xmtp_createGroup({ identifiers: [], permissions })), JSON.stringify(permissions)).toBe('Rpc.InvalidParams');
    }
  });

  it('refuses role and policy changes with a bad inbox id, update, option or field', () => {
    const bad: [string, unknown][] = [
      ['xmtp_addAdmin', { conversationId: groupId, inboxId: alice }],
      ['xmtp_addAdmin', { conversationId: groupId, inboxId: 'AB'.repeat(32) }],
      ['xmtp_removeAdmin', { conversationId: groupId }],
      ['xmtp_updatePermission', { conversationId: groupId, update: 'everything', option: 'allow' }],
      ['xmtp_updatePermission', { conversationId: groupId, update: 'addMember', option: 'owner' }],
      ['xmtp_updatePermission', { conversationId: groupId, update: 'updateMetadata', option: 'deny' }],
      ['xmtp_updatePermission', { conversationId: groupId, update: 'updateMetadata', option: 'deny', field: 'minimum_supported_protocol_version' }],
      ['xmtp_updatePermission', { conversationId: groupId, update: 'addMember', option: 'deny', field: 'group_name' }],
    ];
    for (const [method, params] of bad) expect(codeOf(() => validateRequest(method, params)), JSON.stringify(params)).toBe('Rpc.InvalidParams');
  });

  it('refuses an unknown scope', () => {
    expect(codeOf(() => validateParams.xmtp_requestAccess({ scope: 'all' }))).toBe('Rpc.InvalidParams');
    expect(validateParams.xmtp_requestAccess(undefined)).toEqual({});
  });
});
