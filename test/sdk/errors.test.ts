import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Eip1193Code } from '../../src/core/rpc';
import { ProviderRpcError } from '../../src/inpage/provider';
import { isXmtpRpcError, XmtpRpcError } from '../../src/sdk/index';
import { toXmtpRpcError } from '../../src/sdk/errors';

describe('SDK errors', () => {
  it("keeps the provider's EIP-1193 code, message and Parley code", () => {
    const e = toXmtpRpcError(new ProviderRpcError({ code: 4100, message: 'Locked.', data: { code: 'Vault.Locked', details: 'unlock first' } }));
    expect(e).toBeInstanceOf(XmtpRpcError);
    expect(e).toMatchObject({ code: 4100, message: 'Locked.', parleyCode: 'Vault.Locked', details: 'unlock first', unauthorized: true });
    expect(isXmtpRpcError(e, Eip1193Code.Unauthorized)).toBe(true);
    expect(isXmtpRpcError(e, Eip1193Code.UserRejected)).toBe(false);
  });

  it('turns a throw without an EIP-1193 code into -32603', () => {
    const e = toXmtpRpcError(new TypeError('boom'));
    expect(e.code).toBe(-32603);
    expect(e.parleyCode).toBeUndefined();
  });

  it('gives an XmtpRpcError for anything a provider rejects with', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ code: fc.oneof(fc.integer(), fc.double(), fc.string()), message: fc.anything(), data: fc.anything() })), (thrown) => {
        const e = toXmtpRpcError(thrown);
        expect(e).toBeInstanceOf(XmtpRpcError);
        expect(Number.isInteger(e.code)).toBe(true);
        expect(typeof e.message).toBe('string');
        expect(e.parleyCode === undefined || typeof e.parleyCode === 'string').toBe(true);
      }),
    );
  });
});
