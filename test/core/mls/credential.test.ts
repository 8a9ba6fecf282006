import { MlsCredential } from '@xmtp/proto/identity/credential.pb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../src/core/errors';
import { inboxIdFromCredential, xmtpCredential } from '../../../src/core/mls/credential';

const inboxIdArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

function failure(run: () => unknown): ParleyError {
  try {
    run();
  } catch (e) {
    if (e instanceof ParleyError) return e;
    throw e;
  }
  throw new Error('expected a ParleyError');
}

describe('XMTP credentials', () => {
  it('encodes an inbox id as MlsCredential{1: inbox_id}, the bytes libxmtp writes', () => {
    const credential = xmtpCredential('82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c');
    expect(credential.credentialType).toBe('basic');
    expect(Buffer.from(credential.identity).toString('hex')).toBe(
      '0a40' + Buffer.from('82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c').toString('hex'),
    );
  });

  it('round-trips every inbox id', () => {
    fc.assert(fc.property(inboxIdArb, (inboxId) => inboxIdFromCredential(xmtpCredential(inboxId)) === inboxId));
  });

  it('rejects an X.509 credential', () => {
    const err = failure(() => inboxIdFromCredential({ credentialType: 'x509', certificates: [] }));
    expect(err.code).toBe('Mls.InvalidCredential');
    expect(err.details).toBe('credential type is x509');
  });

  it('rejects an inbox id in upper case (not what libxmtp derives)', () => {
    const identity = MlsCredential.encode({ inboxId: 'A'.repeat(64) }).finish();
    expect(failure(() => inboxIdFromCredential({ credentialType: 'basic', identity })).code).toBe('Mls.InvalidCredential');
  });

  it('rejects an MlsCredential with extra fields', () => {
    const canonical = xmtpCredential('ab'.repeat(32)).identity;
    const identity = new Uint8Array([...canonical, 0x10, 0x01]);
    expect(failure(() => inboxIdFromCredential({ credentialType: 'basic', identity })).details).toBe(
      'MlsCredential carries fields or encoding libxmtp does not write',
    );
  });

  it('refuses to build a credential for a non-inbox id', () => {
    expect(failure(() => xmtpCredential('0x1234')).code).toBe('Mls.BadInput');
  });

  it('gives only Mls.InvalidCredential for random identities', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (identity) => {
        let inboxId: string | undefined;
        try {
          inboxId = inboxIdFromCredential({ credentialType: 'basic', identity });
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('Mls.InvalidCredential');
          return;
        }
        // Random bytes may by chance be a canonical credential; then they must round-trip.
        expect(xmtpCredential(inboxId).identity).toEqual(identity);
      }),
      { numRuns: 1000 },
    );
  });
});
