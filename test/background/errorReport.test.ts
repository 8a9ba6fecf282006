import { describe, expect, it } from 'vitest';
import { reportRpcError, reportUiError } from '../../src/background/errorReport';
import { ParleyError } from '../../src/core/errors';

function capture() {
  const lines: { line: string; error: unknown }[] = [];
  return { lines, log: (line: string, error: unknown) => lines.push({ line, error }) };
}

describe('errors a user sees', () => {
  it('an internal failure is logged with its cause, and the user gets the same reference', () => {
    const { lines, log } = capture();
    const cause = new TypeError('exportKey failed');
    const payload = reportRpcError(cause, { surface: 'site', method: 'xmtp_createDm', origin: 'https://dapp.example' }, log);
    expect(payload.code).toBe(-32603);
    const ref = (payload.data as { ref: string }).ref;
    expect(ref).toMatch(/^[0-9a-f]{8}$/);
    expect(payload.message).toContain(ref);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.line).toContain(ref);
    expect(lines[0]?.line).toContain('xmtp_createDm from https://dapp.example');
    expect(lines[0]?.error).toBe(cause);
  });

  it('a typed error that maps to internal keeps its code for the SDK', () => {
    const { lines, log } = capture();
    const payload = reportRpcError(new ParleyError('Mls.BadInput', 'bad'), { surface: 'ui' }, log);
    expect(payload.data).toMatchObject({ code: 'Mls.BadInput' });
    expect(lines[0]?.line).toContain('Mls.BadInput');
  });

  it('an expected outcome keeps its own words and logs only when it has a cause', () => {
    const { lines, log } = capture();
    const denied = reportRpcError(new ParleyError('Rpc.Unauthorized', 'This site has no access.'), { surface: 'site' }, log);
    expect(denied).toMatchObject({ code: 4100, message: 'This site has no access.' });
    expect(lines).toHaveLength(0);
    reportRpcError(new ParleyError('Api.Unavailable', 'Node unreachable.', { cause: new Error('ECONNREFUSED') }), { surface: 'site' }, log);
    expect(lines).toHaveLength(1);
  });

  it("Parley's own pages are told what they can act on, a throttle's wait included, and nothing internal", () => {
    const { lines, log } = capture();
    expect(reportUiError(new ParleyError('Vault.Throttled', 'Wait.', { retryAfterMs: 2_000 }), 'vault_unlock', log)).toEqual({ code: 'Vault.Throttled', message: 'Wait.', retryAfterMs: 2_000 });
    expect(reportUiError(new ParleyError('Vault.WrongPassword', 'Wrong password.'), 'vault_unlock', log)).toEqual({ code: 'Vault.WrongPassword', message: 'Wrong password.' });
    expect(reportUiError(new ParleyError('Rpc.NotFound', 'No such identity.'), 'identity_select', log)).toEqual({ code: 'Rpc.NotFound', message: 'No such identity.' });
    const internal = reportUiError(new ParleyError('Mls.BadInput', 'secret detail'), 'inbox_request', log);
    expect(internal.code).toBe('Internal');
    expect(internal.message).not.toContain('secret detail');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.line).toContain('ui inbox_request');
  });
});
