import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../src/core/errors';
import { Eip1193Code, toRpcError } from '../../../src/core/rpc';

describe('EIP-1193 error mapping', () => {
  it('maps each class of failure to its EIP-1193 number', () => {
    const cases = [
      ['Rpc.UserRejected', 4001],
      ['Rpc.Unauthorized', 4100],
      ['Vault.Locked', 4100],
      ['Rpc.UnsupportedMethod', 4200],
      ['Api.Network', 4900],
      ['Api.Unavailable', 4900],
      ['Rpc.InvalidParams', -32602],
      ['Content.Invalid', -32602],
      ['Mls.PolicyDenied', -32603],
    ] as const;
    for (const [code, number] of cases) {
      expect(toRpcError(new ParleyError(code, 'x')).code).toBe(number);
    }
  });

  it('keeps the Parley code and details for errors a dApp can act on', () => {
    const e = new ParleyError('Rpc.InvalidParams', 'Invalid params.', { details: 'params.limit: too big' });
    expect(toRpcError(e)).toEqual({ code: -32602, message: 'Invalid params.', data: { code: 'Rpc.InvalidParams', details: 'params.limit: too big' } });
  });

  it('tells a page nothing more than "internal" about internal failures', () => {
    const e = new ParleyError('Vault.Corrupt', 'Record 5 failed to decrypt.', { details: 'secret detail' });
    expect(toRpcError(e)).toEqual({ code: Eip1193Code.Internal, message: 'Internal error.', data: { code: 'Vault.Corrupt' } });
    expect(toRpcError(new TypeError('x is undefined'))).toEqual({ code: -32603, message: 'Internal error.' });
  });
});
