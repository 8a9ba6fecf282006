import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kdfFromJson, kdfToJson, keyFromPassphrase, newPassphraseKdf } from '../../src/agent/passphraseKey';
import { ParleyError, isParleyError } from '../../src/core/errors';
import { FAST_SCRYPT } from './helpers';

const corrupt = (details: string) => new ParleyError('Agent.StoreCorrupt', 'bad', { details });

describe('passphrase keys', () => {
  it('derives the same 32-byte key from the same passphrase and salt, another from another', async () => {
    const kdf = newPassphraseKdf(FAST_SCRYPT);
    const a = await keyFromPassphrase('pass', kdf);
    expect(a.length).toBe(32);
    expect(await keyFromPassphrase('pass', kdfFromJson(JSON.parse(JSON.stringify(kdfToJson(kdf))), corrupt))).toEqual(a);
    expect(await keyFromPassphrase('pass2', kdf)).not.toEqual(a);
    expect(await keyFromPassphrase('pass', newPassphraseKdf(FAST_SCRYPT))).not.toEqual(a);
  });

  it('refuses an empty passphrase', async () => {
    await expect(keyFromPassphrase('', newPassphraseKdf(FAST_SCRYPT))).rejects.toMatchObject({ code: 'Client.BadInput' });
  });

  it('round-trips stored parameters and refuses costs a tampered file could use to stall or exhaust memory', () => {
    const kdf = newPassphraseKdf(FAST_SCRYPT);
    expect(kdfFromJson(kdfToJson(kdf), corrupt)).toEqual(kdf);
    const base = kdfToJson(kdf);
    for (const bad of [{ N: 2 ** 30 }, { N: 1000 }, { N: 2 ** 9 }, { r: 0 }, { r: 1.5 }, { p: 99 }, { N: 2 ** 22, r: 32 }, { salt: 'zz' }, { salt: '00' }, { name: 'argon2id' }]) {
      expect(() => kdfFromJson({ ...base, ...bad }, corrupt), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'Agent.StoreCorrupt' }));
    }
  });

  it('turns any JSON into parameters or the given typed error, never another throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          kdfFromJson(value, corrupt);
        } catch (e) {
          expect(isParleyError(e, 'Agent.StoreCorrupt')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
