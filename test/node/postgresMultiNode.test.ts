/**
 * Two real parley-node processes over one PostgreSQL database: a subscriber on one node
 * receives what is published on the other, once each and in one per-group order.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { SortDirection } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresUrl } from '../interop/testEnv';
import { spawnNode, type ChildNode } from './childNode';
import { privateMessage } from './fixtures';
import { call, openStream } from './helpers';

const u64 = (n: number): Long => Long.fromNumber(n, true);
const body = (data: Uint8Array): string => new TextDecoder().decode(data.subarray(data.length - 6));

async function admin(baseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('parley-node processes sharing one PostgreSQL database', () => {
  const baseUrl = requirePostgresUrl();
  // A database of its own: the nodes use the default schema, as in production.
  const database = `parley_mn_${randomBytes(6).toString('hex')}`;
  const url = Object.assign(new URL(baseUrl), { pathname: `/${database}` }).toString();
  const nodes: ChildNode[] = [];
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    await admin(baseUrl, `CREATE DATABASE ${database}`);
    // One at a time would do; together also checks that concurrent startups migrate once.
    nodes.push(
      ...(await Promise.all(
        [0, 1].map(() => spawnNode(['--postgres', url, '--rate-limit-writes', '0', '--rate-limit-reads', '0', '--log-level', 'warn'])),
      )),
    );
    for (const node of nodes) clients.push(new grpc.Client(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure()));
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const node of nodes) {
      node.process.kill('SIGTERM');
      const code = await node.exited;
      expect(code, node.stderr()).toBe(0);
    }
    await admin(baseUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('delivers to a subscriber on node A what is published on node B, and each node sees one order', async () => {
    const [a, b] = clients as [grpc.Client, grpc.Client];
    const group = randomBytes(16);
    const atA = openStream(a, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: u64(0) }] });
    const atB = openStream(b, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: u64(0) }] });
    // Let both subscriptions register before publishing (they would also catch up from the table).
    await new Promise((r) => setTimeout(r, 300));

    const total = 60;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        call(i % 3 === 0 ? a : b, 'sendGroupMessages', {
          messages: [{ v1: { data: privateMessage(group, `m${String(i).padStart(5, '0')}`), senderHmac: new Uint8Array(), shouldPush: true } }],
        }),
      ),
    );
    const gotA = await atA.take(total, 20_000);
    const gotB = await atB.take(total, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(atA.buffered).toHaveLength(0);
    expect(atB.buffered).toHaveLength(0);
    atA.cancel();
    atB.cancel();

    const stored = await call(b, 'queryGroupMessages', { groupId: group, pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 100, idCursor: u64(0) } });
    const order = stored.messages.map((m) => m.v1!.id.toString());
    expect(order).toHaveLength(total);
    for (const got of [gotA, gotB]) {
      expect(got.map((m) => m.v1!.id.toString())).toEqual(order);
      expect(new Set(got.map((m) => body(m.v1!.data))).size).toBe(total);
    }
    const ids = order.map(BigInt);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });

  it('delivers a welcome sent through node B to its installation subscribed on node A', async () => {
    const [a, b] = clients as [grpc.Client, grpc.Client];
    const installationKey = randomBytes(32);
    const stream = openStream(a, 'subscribeWelcomeMessages', { filters: [{ installationKey, idCursor: u64(0) }] });
    await new Promise((r) => setTimeout(r, 300));
    await call(b, 'sendWelcomeMessages', {
      messages: [{ v1: { installationKey, data: new Uint8Array([7, 7]), hpkePublicKey: new Uint8Array(32).fill(1), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() } }],
    });
    const [welcome] = await stream.take(1, 20_000);
    stream.cancel();
    expect(welcome!.v1!.data).toEqual(new Uint8Array([7, 7]));
    expect(Buffer.from(welcome!.v1!.installationKey).equals(installationKey)).toBe(true);
  });
});
