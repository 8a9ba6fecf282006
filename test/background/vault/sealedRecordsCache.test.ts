import { describe, expect, it } from 'vitest';
import { openVaultDb } from '../../../src/background/vault/sealedRecords';
import { Vault } from '../../../src/background/vault/vault';
import { freshDbName, memorySession, unlockedVault } from './helpers';

describe('vault reads through the record cache', () => {
  it('serves a committed record without IndexedDB, and only after its transaction completed', async () => {
    const dbName = freshDbName();
    const vault = await unlockedVault(dbName);
    await vault.put('grant', 'https://a.test', { scope: 'site' });
    // Rows changed behind the worker's back are not seen: the cache answers.
    const db = await openVaultDb(dbName);
    await db.clear('records');
    expect(await vault.get('grant', 'https://a.test')).toEqual({ scope: 'site' });
    db.close();
  });

  it('never keeps the value a read found when a write committed while it ran', async () => {
    const vault = await unlockedVault();
    await vault.put('setting', '', { n: 1 });
    await vault.lock();
    await vault.unlock('correct horse battery staple');
    // The read misses the cache and reads n: 1; the write commits n: 2 meanwhile.
    const [read] = await Promise.all([vault.get<{ n: number }>('setting'), vault.put('setting', '', { n: 2 })]);
    expect([1, 2]).toContain(read?.n);
    expect(await vault.get('setting')).toEqual({ n: 2 });
  });

  it('a value changed by the caller after a read or write does not change what is cached', async () => {
    const vault = await unlockedVault();
    const record = { list: [1, 2] };
    await vault.put('setting', '', record);
    record.list.push(3);
    const read = await vault.get<{ list: number[] }>('setting');
    read!.list.push(4);
    expect(await vault.get('setting')).toEqual({ list: [1, 2] });
  });

  it('answers Vault.Locked after lock even for records it had cached', async () => {
    const vault = await unlockedVault();
    await vault.put('grant', 'https://a.test', { scope: 'site' });
    await vault.lock();
    await expect(vault.get('grant', 'https://a.test')).rejects.toMatchObject({ code: 'Vault.Locked' });
    await expect(vault.list('grant')).rejects.toMatchObject({ code: 'Vault.Locked' });
  });

  it('lists a kind from the cache with later puts and deletes applied', async () => {
    const vault = await unlockedVault();
    await vault.put('grant', 'https://a.test', { o: 'a' });
    await vault.put('grant', 'https://b.test', { o: 'b' });
    expect(await vault.list('grant')).toHaveLength(2);
    await vault.put('grant', 'https://c.test', { o: 'c' });
    await vault.delete('grant', 'https://a.test');
    const listed = (await vault.list<{ o: string }>('grant')).map((g) => g.o).sort();
    expect(listed).toEqual(['b', 'c']);
  });

  it('a restarted worker (a new Vault) reads what the last one committed, not what it cached', async () => {
    const dbName = freshDbName();
    const session = memorySession();
    const vault = await unlockedVault(dbName, session);
    await vault.put('setting', '', { n: 1 });
    // Prepared but never written (a worker killed before its transaction): seen nowhere.
    await vault.records.preparePut({ scope: 'vault', kind: 'setting', key: '' }, { n: 2 });
    const restarted = await Vault.open({ dbName, session });
    expect(await restarted.resume()).toBe(true);
    expect(await restarted.get('setting')).toEqual({ n: 1 });
    expect(await vault.get('setting')).toEqual({ n: 1 });
  });
});
