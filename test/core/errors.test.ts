import { describe, expect, it } from 'vitest';
import { ParleyError, isParleyError } from '../../src/core/errors';

describe('ParleyError', () => {
  it('keeps a stable code and a short message apart from details', () => {
    const e = new ParleyError('Identity.TooManyInstallations', 'An inbox can hold at most 10 installations.', {
      details: 'inbox abc has 10',
    });
    expect(e.code).toBe('Identity.TooManyInstallations');
    expect(e.shortMessage).toBe('An inbox can hold at most 10 installations.');
    expect(e.message).toContain('inbox abc has 10');
    expect(e.toJSON()).toEqual({
      code: 'Identity.TooManyInstallations',
      message: 'An inbox can hold at most 10 installations.',
      data: { details: 'inbox abc has 10' },
    });
    expect(isParleyError(e, 'Identity.TooManyInstallations')).toBe(true);
    expect(isParleyError(e, 'Identity.BadSignature')).toBe(false);
    expect(isParleyError(new Error('x'))).toBe(false);
  });
});
