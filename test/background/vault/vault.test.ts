import { describe, expect, it } from 'vitest';
import { PBKDF2_ITERATIONS } from '../../../src/background/vault/keyring';
import { openVaultDb } from '../../../src/background/vault/sealedRecords';
import { Vault } from '../../../src/background/vault/vault';
import { freshDbName, memorySession, PASSWORD, unlockedVault } from './helpers';

describe('vault', () => {
  it('starts uninitialized, is unlocked after create, locked after lock', async () => {
    const vault = await Vault.open({ dbName: freshDbName(), session: memorySession() });
    expect(await vault.state()).toBe('uninitialized');
    await vault.create(PASSWORD);
    expect(await vault.state()).toBe('unlocked');
    await vault.lock();
    expect(await vault.state()).toBe('locked');
  });

  it('derives the password key with PBKDF2-HMAC-SHA256 and at least 600,000 iterations', async () => {
    const dbName = freshDbName();
    await unlockedVault(dbName);
    const meta = await (await openVaultDb(dbName)).get('meta', 'keyring');
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(meta).toMatchObject({ kdf: 'PBKDF2-HMAC-SHA256', iterations: PBKDF2_ITERATIONS });
  });

  it('refuses a wrong password with Vault.WrongPassword and stays locked', async () => {
    const vault = await unlockedVault();
    await vault.put('settings', '', { a: 1 });
    await vault.lock();
    await expect(vault.unlock('not the password')).rejects.toMatchObject({ code: 'Vault.WrongPassword' });
    await expect(vault.get('settings')).rejects.toMatchObject({ code: 'Vault.Locked' });
    await vault.unlock(PASSWORD);
    expect(await vault.get('settings')).toEqual({ a: 1 });
  });

  it('refuses a second create', async () => {
    const vault = await unlockedVault();
    await expect(vault.create('another password')).rejects.toMatchObject({ code: 'Vault.AlreadyInitialized' });
  });

  it('resumes unlocked after a worker restart from the session key alone, and not after lock', async () => {
    const dbName = freshDbName();
    const session = memorySession();
    const first = await unlockedVault(dbName, session);
    await first.put('grant', 'https://a.test', { scope: 'site' });
    first.close();

    const second = await Vault.open({ dbName, session });
    expect(await second.resume()).toBe(true);
    expect(await second.get('grant', 'https://a.test')).toEqual({ scope: 'site' });
    await second.lock();
    expect(session.value).toBeUndefined();

    const third = await Vault.open({ dbName, session });
    expect(await third.resume()).toBe(false);
    expect(await third.state()).toBe('locked');
  });

  it('tells listeners when it locks', async () => {
    const vault = await unlockedVault();
    let locked = 0;
    vault.onLock(() => locked++);
    await vault.lock();
    await vault.lock();
    expect(locked).toBe(1);
  });

  it('refuses a record moved under another name (the ciphertext is bound to its key)', async () => {
    const dbName = freshDbName();
    const session = memorySession();
    const vault = await unlockedVault(dbName, session);
    await vault.put('grant', 'https://a.test', { scope: 'inbox' });
    await vault.put('grant', 'https://b.test', { scope: 'site' });
    const db = await openVaultDb(dbName);
    const rows = await db.getAll('records');
    const [a, b] = rows;
    await db.put('records', { ...a!, v: b!.v });
    // The running worker's cache holds what it wrote; a restarted worker reads the disk.
    const restarted = await Vault.open({ dbName, session });
    expect(await restarted.resume()).toBe(true);
    await expect(restarted.list('grant')).rejects.toMatchObject({ code: 'Vault.Corrupt' });
  });
});
