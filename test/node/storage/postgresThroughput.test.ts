/**
 * A measurement more than a check: durable single-message inserts per second on the test
 * PostgreSQL, with group commit and without it (maxBatch 1), for several numbers of clients
 * each writing one message after another. It prints the figures; it asserts only what does not
 * depend on the machine's speed (every write landed, batching used fewer transactions).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../src/node/storage/postgres';
import { requirePostgresUrl } from '../../interop/testEnv';

async function measure(maxBatch: number, clients: number, perClient: number) {
  const url = requirePostgresUrl();
  const schema = `parley_b_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url, schema, maxBatch });
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) {
          await store.insertGroupMessages([
            { groupId: new Uint8Array(16).fill(c % 8), data: randomBytes(256), senderHmac: new Uint8Array(32), shouldPush: true, isCommit: false },
          ]);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { writes: clients * perClient, perSecond: Math.round((clients * perClient) / seconds), commits: store.commitStats.commits };
  } finally {
    await store.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

describe('PostgreSQL store throughput', () => {
  it('measures inserts per second with and without group commit', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    for (const clients of [1, 16, 64, 256]) {
      const perClient = Math.max(4, Math.floor(512 / clients));
      const batched = await measure(1000, clients, perClient);
      const single = await measure(1, clients, perClient);
      lines.push(
        `${String(clients).padStart(3)} clients: batched ${batched.perSecond}/s (${batched.commits} commits), ` +
          `one transaction per write ${single.perSecond}/s (${single.commits} commits)`,
      );
      expect(single.commits).toBe(single.writes);
      expect(batched.commits).toBeLessThanOrEqual(single.commits);
      if (clients >= 16) expect(batched.commits).toBeLessThan(batched.writes);
    }
    console.info(`PostgreSQL durable inserts (1 message of 256 bytes each):\n${lines.join('\n')}`);
  });
});
