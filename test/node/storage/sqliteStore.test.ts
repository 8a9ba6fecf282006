import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { openSqliteStore } from '../../../src/node/storage/sqlite/sqliteStore';
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
