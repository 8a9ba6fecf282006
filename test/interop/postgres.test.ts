import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { requirePostgresUrl } from './testEnv';

describe('test PostgreSQL (scripts/setup-postgres.sh)', () => {
  it('answers at PARLEY_TEST_POSTGRES_URL with a role that may create tables', async () => {
    const client = new pg.Client({ connectionString: requirePostgresUrl() });
    await client.connect();
    try {
      await client.query('create temporary table parley_probe (n int)');
      await client.query('insert into parley_probe values (42)');
      const { rows } = await client.query<{ n: number }>('select n from parley_probe');
      expect(rows).toEqual([{ n: 42 }]);
      const { rows: db } = await client.query<{ name: string }>('select current_database() as name');
      expect(db[0]?.name).toBe('parley_test');
    } finally {
      await client.end();
    }
  });
});
