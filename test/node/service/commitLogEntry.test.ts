import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { checkCommitLogEntry } from '../../../src/node/service/commitLogEntry';
import { signedCommitLogEntry } from '../fixtures';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('checkCommitLogEntry', () => {
  it('accepts an entry signed as libxmtp signs it and answers its signature', () => {
    const e = signedCommitLogEntry(new Uint8Array(32).fill(5), 7);
    expect(checkCommitLogEntry(e.groupId, e.serializedCommitLogEntry, e.signature, 'entry 0')).toEqual(e.signature);
  });

  it('refuses random entry bytes, signed or not, with Api.InvalidArgument and nothing else', () => {
    const group = new Uint8Array(16).fill(1);
    const { signature } = signedCommitLogEntry(group, 1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), fc.uint8Array({ minLength: 0, maxLength: 70 }), (bytes, sig) => {
        for (const s of [signature, { bytes: sig, publicKey: signature.publicKey }, undefined]) {
          const error = refusal(() => checkCommitLogEntry(group, bytes, s, 'entry 0'));
          expect(isParleyError(error, 'Api.InvalidArgument'), String(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an entry whose signature key is not a curve point as unverified', () => {
    const e = signedCommitLogEntry(new Uint8Array(16).fill(2), 1);
    const error = refusal(() => checkCommitLogEntry(e.groupId, e.serializedCommitLogEntry, { ...e.signature, publicKey: new Uint8Array(32).fill(0xff) }, 'entry 3'));
    expect(isParleyError(error, 'Api.InvalidArgument')).toBe(true);
    expect((error as { details: string }).details).toBe('entry 3');
  });
});
