import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { privateKeyToAddress } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { createWalletFile, readWalletFile } from '../../src/agent/walletFile';
import { isParleyError } from '../../src/core/errors';
import { generateWalletPrivateKey } from '../../src/core/identity';
import { codeOf, FAST_SCRYPT, tempDirs } from './helpers';

const dirs = tempDirs('parley-wallet-');
afterAll(() => dirs.cleanup());
const walletPath = () => join(dirs.make(), 'wallet.json');

describe('agent wallet file', () => {
  it('keeps a clear key owner-only and reads it back', async () => {
    const path = walletPath();
    const key = generateWalletPrivateKey();
    const made = await createWalletFile(path, key);
    expect(made).toEqual({ address: privateKeyToAddress(key).toLowerCase(), privateKey: key });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await readWalletFile(path)).toEqual(made);
    expect(readdirSync(join(path, '..'))).toEqual(['wallet.json']);
  });

  it('seals the key under a passphrase, gives the same store key on every read, and refuses a wrong or missing passphrase', async () => {
    const path = walletPath();
    const key = generateWalletPrivateKey();
    const made = await createWalletFile(path, key, 'pass phrase', FAST_SCRYPT);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(key.slice(2));
    expect(made.storeKey).toHaveLength(32);
    const read = await readWalletFile(path, 'pass phrase');
    expect(read).toEqual(made);
    expect(await codeOf(() => readWalletFile(path, 'pass phrasf'))).toBe('Agent.WrongKey');
    expect(await codeOf(() => readWalletFile(path))).toBe('Agent.KeyRequired');
  });

  it('refuses a passphrase for a clear wallet, a second wallet in the same place, and a missing one', async () => {
    const path = walletPath();
    await createWalletFile(path, generateWalletPrivateKey());
    expect(await codeOf(() => readWalletFile(path, 'x'))).toBe('Agent.NotEncrypted');
    expect(await codeOf(() => createWalletFile(path, generateWalletPrivateKey()))).toBe('Agent.AlreadyInitialized');
    expect(readdirSync(join(path, '..'))).toEqual(['wallet.json']);
    expect(await codeOf(() => readWalletFile(walletPath()))).toBe('Agent.NotInitialized');
  });

  it('detects a sealed key moved to another address (the address is associated data)', async () => {
    const path = walletPath();
    await createWalletFile(path, generateWalletPrivateKey(), 'pw', FAST_SCRYPT);
    const body = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...body, address: privateKeyToAddress(generateWalletPrivateKey()).toLowerCase() }));
    expect(await codeOf(() => readWalletFile(path, 'pw'))).toBe('Agent.WrongKey');
  });

  it('refuses a clear key that is not the address’s', async () => {
    const path = walletPath();
    await createWalletFile(path, generateWalletPrivateKey());
    const body = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...body, privateKey: generateWalletPrivateKey() }));
    expect(await codeOf(() => readWalletFile(path))).toBe('Agent.StoreCorrupt');
  });

  it('turns any file content into a typed error, never another throw', async () => {
    const path = walletPath();
    const content = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
      fc
        .record({ version: fc.constant(1), address: fc.constantFrom('0x' + 'ab'.repeat(20), 'x'), encryption: fc.constantFrom('none', 'scrypt+aes-256-gcm', 'rot13'), kdf: fc.jsonValue(), nonce: fc.string(), ciphertext: fc.string(), privateKey: fc.string() }, { requiredKeys: [] })
        .map((v) => Buffer.from(JSON.stringify(v))),
    );
    await fc.assert(
      fc.asyncProperty(content, fc.boolean(), async (bytes, withPassphrase) => {
        writeFileSync(path, bytes);
        try {
          await readWalletFile(path, withPassphrase ? 'pw' : undefined);
        } catch (e) {
          expect(isParleyError(e), String(e)).toBe(true);
          return;
        }
        throw new Error('random content was accepted');
      }),
      { numRuns: 300 },
    );
    expect(existsSync(path)).toBe(true);
  });
});
