import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { SCHEMA_V1 } from '../../../src/node/storage/sqlite/schema';
import { SQLITE_FILE_NAME, openSqliteStore } from '../../../src/node/storage/sqlite/sqliteStore';
import { generateInstallationKey } from '../../../src/core/identity/installationKey';
import { keyPackageFor } from '../fixtures';
import { openSqliteStoreInWorker } from '../../../src/node/storage/sqlite/sqliteWorkerStore';
import { describeNodeStoreConformance } from './conformance';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
}

describeNodeStoreConformance('sqlite', async () => {
  const dir = tempDir();
  return {
    open: async () => openSqliteStore({ dataDir: dir }),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeNodeStoreConformance('sqlite (worker thread)', async () => {
  const dir = tempDir();
  return {
    open: () => openSqliteStoreInWorker({ dataDir: dir }),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SQLite store', () => {
  it('refuses a second store on a data dir that is already open', async () => {
    const dir = tempDir();
    const first = openSqliteStore({ dataDir: dir });
    try {
      let caught: unknown;
      try {
        openSqliteStore({ dataDir: dir }).close();
      } catch (e) {
        caught = e;
      }
      expect(isParleyError(caught, 'Node.StoreCorrupt')).toBe(true);
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('commits concurrent writes in fewer transactions than writes (group commit)', async () => {
    const dir = tempDir();
    const store = openSqliteStore({ dataDir: dir });
    try {
      const before = { ...store.commitStats };
      const writes = Array.from({ length: 200 }, (_, i) =>
        store.insertGroupMessages([{ groupId: new Uint8Array([i % 5]), data: new Uint8Array([i, 1]), senderHmac: new Uint8Array(), shouldPush: false, isCommit: false }]),
      );
      const results = await Promise.all(writes);
      expect(results).toHaveLength(200);
      const commits = store.commitStats.commits - before.commits;
      expect(store.commitStats.writes - before.writes).toBe(200);
      expect(commits).toBeGreaterThan(0);
      expect(commits).toBeLessThan(20);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backfills the lifetime of key packages stored by schema version 1, so an older upload is refused after the upgrade', async () => {
    const dir = tempDir();
    const installation = generateInstallationKey();
    const inboxId = 'ab'.repeat(32);
    const now = new Date();
    const stored = await keyPackageFor(inboxId, installation, now);
    const old = new Database(join(dir, SQLITE_FILE_NAME));
    old.exec(SCHEMA_V1);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO key_packages (installation_key, inbox_id, key_package, created_ns) VALUES (?, ?, ?, ?)').run(
      Buffer.from(installation.publicKey), inboxId, Buffer.from(stored), 1n,
    );
    old.prepare('INSERT INTO key_packages (installation_key, inbox_id, key_package, created_ns) VALUES (?, ?, ?, ?)').run(
      Buffer.from('garbage'), inboxId, Buffer.from('not a key package'), 1n,
    );
    old.close();
    const store = openSqliteStore({ dataDir: dir });
    try {
      const [kp, garbage] = await store.fetchKeyPackages([installation.publicKey, new TextEncoder().encode('garbage')]);
      const notBefore = BigInt(Math.floor(now.getTime() / 1000)) - 3600n;
      expect(kp!.notBefore >= notBefore - 1n && kp!.notBefore <= notBefore + 1n).toBe(true);
      expect(kp!.notAfter > kp!.notBefore).toBe(true);
      expect(garbage).toMatchObject({ notBefore: 0n, notAfter: 0n });
      const older = await keyPackageFor(inboxId, installation, new Date(now.getTime() - 86_400_000));
      await expect(
        store.putKeyPackage({ installationKey: installation.publicKey, inboxId, keyPackage: older, notBefore: notBefore - 86_400n, notAfter: kp!.notAfter - 86_400n }),
      ).rejects.toMatchObject({ code: 'Node.StaleKeyPackage' });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a data dir already in use from the worker thread as Node.StoreCorrupt', async () => {
    const dir = tempDir();
    const first = await openSqliteStoreInWorker({ dataDir: dir });
    try {
      await expect(openSqliteStoreInWorker({ dataDir: dir })).rejects.toMatchObject({ code: 'Node.StoreCorrupt' });
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
