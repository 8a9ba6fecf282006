import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import type { UiMethod } from '../../../src/core/rpc';
import { parseNodeUrl, parseOrigin, validateUiParams } from '../../../src/core/rpc';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
  return 'no error';
}

describe('UI message validators', () => {
  it('give a typed error, never another throw, for any params', () => {
    const methods = Object.keys(validateUiParams) as UiMethod[];
    fc.assert(
      fc.property(fc.constantFrom(...methods), fc.anything({ withNullPrototype: true }), (method, params) => {
        try {
          validateUiParams[method](params);
        } catch (e) {
          expect(isParleyError(e, 'Rpc.InvalidParams')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a password shorter than 8 characters', () => {
    expect(codeOf(() => validateUiParams.vault_create({ password: 'short' }))).toBe('Rpc.InvalidParams');
    expect(validateUiParams.vault_create({ password: 'long enough' })).toEqual({ password: 'long enough' });
  });

  it('normalizes an imported private key to 0x lowercase hex', () => {
    const key = 'AB'.repeat(32);
    expect(validateUiParams.identity_import({ privateKey: key })).toEqual({ privateKey: `0x${'ab'.repeat(32)}` });
    expect(codeOf(() => validateUiParams.identity_import({ privateKey: '0x1234' }))).toBe('Rpc.InvalidParams');
  });

  it('takes sitesFollow on a switch and the shown identity on an approval, each typed', () => {
    const id = 'ab'.repeat(16);
    expect(validateUiParams.identity_select({ id })).toEqual({ id });
    expect(validateUiParams.identity_select({ id, sitesFollow: true })).toEqual({ id, sitesFollow: true });
    expect(codeOf(() => validateUiParams.identity_select({ id, sitesFollow: 1 }))).toBe('Rpc.InvalidParams');
    expect(validateUiParams.approval_decide({ approvalId: id, approved: true, identityId: id })).toEqual({ approvalId: id, approved: true, identityId: id });
    expect(codeOf(() => validateUiParams.approval_decide({ approvalId: id, approved: true, identityId: 'Not hex' }))).toBe('Rpc.InvalidParams');
  });

  it('accepts origins exactly as the browser serializes them', () => {
    expect(parseOrigin('http://localhost:5173')).toBe('http://localhost:5173');
    for (const bad of ['http://localhost:5173/', 'https://a.test/path', 'HTTPS://A.TEST', 'null', 'data:text/html,x']) {
      expect(codeOf(() => parseOrigin(bad))).toBe('Rpc.InvalidParams');
    }
  });

  it('accepts only http(s) node URLs without credentials', () => {
    expect(parseNodeUrl('http://localhost:5557/')).toBe('http://localhost:5557');
    for (const bad of ['ftp://x.test', 'http://user:pw@x.test', 'javascript:alert(1)', 'not a url']) {
      expect(codeOf(() => parseNodeUrl(bad))).toBe('Rpc.InvalidParams');
    }
  });

  it('bounds the auto-lock setting', () => {
    expect(codeOf(() => validateUiParams.settings_set({ autoLockMinutes: 0 }))).toBe('Rpc.InvalidParams');
    expect(validateUiParams.settings_set({ autoLockMinutes: 15 })).toEqual({ autoLockMinutes: 15 });
    expect(validateUiParams.settings_set({ grantedSitesKeepUnlocked: true })).toEqual({ grantedSitesKeepUnlocked: true });
    expect(codeOf(() => validateUiParams.settings_set({ grantedSitesKeepUnlocked: 'yes' }))).toBe('Rpc.InvalidParams');
  });

  it('runs only window.xmtp methods from the popup inbox', () => {
    expect(codeOf(() => validateUiParams.inbox_request({ method: 'vault_unlock' }))).toBe('Rpc.InvalidParams');
    expect(validateUiParams.inbox_request({ method: 'xmtp_listConversations', params: {} })).toEqual({ method: 'xmtp_listConversations', params: {} });
  });
});
