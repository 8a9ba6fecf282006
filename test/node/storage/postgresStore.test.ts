import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { createLogger } from '../../../src/node/log';
import { openPostgresStore, type PostgresStoreOptions } from '../../../src/node/storage/postgres';
import { POSTGRES_SCHEMA_V1, POSTGRES_SCHEMA_VERSION } from '../../../src/node/storage/postgres/schema';
import { generateInstallationKey } from '../../../src/core/identity/installationKey';
import { keyPackageFor } from '../fixtures';
import { requirePostgresUrl } from '../../interop/testEnv';
import { describeNodeStoreConformance } from './conformance';

/** A schema of its own for each test, dropped afterwards, so parallel test files never meet. */
async function scratchSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const url = requirePostgresUrl();
  const schema = `parley_t_${randomBytes(6).toString('hex')}`;
  return {
    url,
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

describeNodeStoreConformance('postgres', async () => {
  const s = await scratchSchema();
  return {
    open: () => openPostgresStore({ url: s.url, schema: s.schema }),
    destroy: () => s.drop(),
  };
});

describe('PostgreSQL store', () => {
  async function withStore<T>(
    run: (open: (extra?: Partial<PostgresStoreOptions>) => ReturnType<typeof openPostgresStore>, s: { url: string; schema: string }) => Promise<T>,
  ): Promise<T> {
    const s = await scratchSchema();
    const opened: { close(): Promise<void> }[] = [];
    try {
      return await run(async (extra = {}) => {
        const store = await openPostgresStore({ url: s.url, schema: s.schema, ...extra });
        opened.push(store);
        return store;
      }, s);
    } finally {
      for (const store of opened) await store.close();
      await s.drop();
    }
  }

  it('records its schema version and refuses a database written by a newer build', async () => {
    await withStore(async (open, s) => {
      const store = await open();
      await store.close();
      const client = new pg.Client({ connectionString: s.url });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT version FROM ${s.schema}.parley_schema_version`);
        expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
        await client.query(`UPDATE ${s.schema}.parley_schema_version SET version = $1`, [POSTGRES_SCHEMA_VERSION + 1]);
      } finally {
        await client.end();
      }
      let caught: unknown;
      await open().catch((e: unknown) => {
        caught = e;
      });
      expect(isParleyError(caught, 'Node.StoreCorrupt')).toBe(true);
    });
  });

  it('migrates once when several stores open a fresh database at the same time', async () => {
    await withStore(async (open) => {
      const stores = await Promise.all([open(), open(), open()]);
      const [rec] = await stores[0]!.insertGroupMessages([msg('g', 'one')]);
      expect(await stores[2]!.queryGroupMessages(b('g'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([rec]);
    });
  });

  it('backfills the lifetime of key packages stored by schema version 1, so an older upload is refused after the upgrade', async () => {
    await withStore(async (open, s) => {
      const installation = generateInstallationKey();
      const inboxId = 'cd'.repeat(32);
      const now = new Date();
      const stored = await keyPackageFor(inboxId, installation, now);
      const client = new pg.Client({ connectionString: s.url });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${s.schema}; SET search_path = ${s.schema}`);
        await client.query(POSTGRES_SCHEMA_V1);
        await client.query(`CREATE TABLE parley_schema_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
          INSERT INTO parley_schema_version (version) VALUES (1)`);
        await client.query('INSERT INTO key_packages (installation_key, inbox_id, key_package, created_ns) VALUES ($1, $2, $3, 1), ($4, $2, $5, 1)', [
          installation.publicKey, inboxId, stored, b('garbage'), b('not a key package'),
        ]);
      } finally {
        await client.end();
      }
      const store = await open();
      const [kp, garbage] = await store.fetchKeyPackages([installation.publicKey, b('garbage')]);
      const notBefore = BigInt(Math.floor(now.getTime() / 1000)) - 3600n;
      expect(kp!.notBefore >= notBefore - 1n && kp!.notBefore <= notBefore + 1n).toBe(true);
      expect(garbage).toMatchObject({ notBefore: 0n, notAfter: 0n });
      const older = await keyPackageFor(inboxId, installation, new Date(now.getTime() - 86_400_000));
      await expect(
        store.putKeyPackage({ installationKey: installation.publicKey, inboxId, keyPackage: older, notBefore: notBefore - 86_400n, notAfter: kp!.notAfter - 86_400n }),
      ).rejects.toMatchObject({ code: 'Node.StaleKeyPackage' });
      expect(await store.fetchKeyPackages([installation.publicKey])).toEqual([kp]);
    });
  });

  it('refuses a malformed URL and a bad schema name with Node.BadConfig', async () => {
    for (const options of [{ url: 'postgres://[::1' }, { url: requirePostgresUrl(), schema: 'Robert"); DROP' }]) {
      let caught: unknown;
      await openPostgresStore(options).then(
        (s) => s.close(),
        (e: unknown) => {
          caught = e;
        },
      );
      expect(isParleyError(caught, 'Node.BadConfig'), String(caught)).toBe(true);
    }
  });

  it("keeps the operator's URL options, still uses its own schema, and turns synchronous_commit back on", async () => {
    await withStore(async (open, s) => {
      const url = new URL(s.url);
      url.searchParams.set('options', '-c synchronous_commit=off -c statement_timeout=60000');
      const lines: string[] = [];
      const store = await open({ url: url.toString(), logger: createLogger('warn', (line) => lines.push(line)) });
      await store.insertGroupMessages([msg('o', 'x')]);
      const client = new pg.Client({ connectionString: s.url });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${s.schema}.group_messages`);
        expect(rows).toEqual([{ n: 1 }]);
      } finally {
        await client.end();
      }
      expect(lines.some((l) => l.includes('synchronous_commit=off'))).toBe(true);
    });
  });

  it('stores a message repeated within one call once, with one id', async () => {
    await withStore(async (open) => {
      const store = await open();
      const [a, again, other] = await store.insertGroupMessages([msg('d', 'x'), msg('d', 'x'), msg('d', 'y')]);
      expect(again).toEqual(a);
      expect(other!.id > a!.id).toBe(true);
      expect(await store.queryGroupMessages(b('d'), { direction: 'ascending', cursor: 0n, limit: 10 })).toEqual([a, other]);
    });
  });

  it('commits concurrent writes in fewer transactions than writes, and one per write with batching off', async () => {
    await withStore(async (open) => {
      const batched = await open();
      const unbatched = await open({ maxBatch: 1 });
      for (const [store, expectFew] of [[batched, true], [unbatched, false]] as const) {
        const before = { ...store.commitStats };
        await Promise.all(Array.from({ length: 100 }, (_, i) => store.insertGroupMessages([msg(`g${i % 4}`, `${expectFew}-${i}`)])));
        const commits = store.commitStats.commits - before.commits;
        expect(store.commitStats.writes - before.writes).toBe(100);
        if (expectFew) expect(commits).toBeLessThan(20);
        else expect(commits).toBe(100);
      }
    });
  });

  it('fails only the write the database rejects and commits the rest of its batch one by one', async () => {
    await withStore(async (open) => {
      const store = await open();
      const [ok1, broken, ok2] = await Promise.allSettled([
        store.insertGroupMessages([msg('n', 'first')]),
        // PostgreSQL text cannot hold NUL: the INSERT fails and aborts the whole transaction.
        store.appendIdentityUpdate({ inboxId: 'bad\u0000inbox', update: b('u'), expectedLastSequenceId: 0n, added: [], removed: [] }),
        store.insertGroupMessages([msg('n', 'second')]),
      ]);
      expect(ok1.status).toBe('fulfilled');
      expect(ok2.status).toBe('fulfilled');
      expect(broken.status).toBe('rejected');
      expect(store.commitStats.commits).toBe(2);
      const stored = await store.queryGroupMessages(b('n'), { direction: 'ascending', cursor: 0n, limit: 10 });
      expect(stored.map((r) => new TextDecoder().decode(r.data))).toEqual(['first', 'second']);
    });
  });

  it('fails only the refused write of a batch and commits the others', async () => {
    await withStore(async (open) => {
      const store = await open();
      const [ok1, stale, ok2] = await Promise.allSettled([
        store.insertGroupMessages([msg('m', 'before')]),
        store.appendIdentityUpdate({ inboxId: 'x', update: b('u'), expectedLastSequenceId: 5n, added: [], removed: [] }),
        store.insertGroupMessages([msg('m', 'after')]),
      ]);
      expect(ok1.status).toBe('fulfilled');
      expect(ok2.status).toBe('fulfilled');
      expect(stale.status === 'rejected' && isParleyError(stale.reason, 'Node.StoreConflict')).toBe(true);
      expect(store.commitStats.commits).toBe(1);
      expect(await store.queryGroupMessages(b('m'), { direction: 'ascending', cursor: 0n, limit: 10 })).toHaveLength(2);
    });
  });
});

const enc = new TextEncoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function msg(group: string, data: string) {
  return { groupId: b(group), data: b(data), senderHmac: b('h'), shouldPush: true, isCommit: false };
}
