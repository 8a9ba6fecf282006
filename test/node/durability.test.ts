import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnNode, type ChildNode } from './childNode';
import { privateMessage } from './fixtures';
import { call, tempDir } from './helpers';

function clientFor(node: ChildNode): grpc.Client {
  return new grpc.Client(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure());
}

async function readAll(client: grpc.Client, group: Uint8Array): Promise<Set<string>> {
  const bodies = new Set<string>();
  let cursor = 0n;
  for (;;) {
    const page = await call(client, 'queryGroupMessages', {
      groupId: group,
      pagingInfo: { direction: 1, limit: 100, idCursor: Long.fromBigInt(cursor, true) },
    });
    for (const m of page.messages) bodies.add(Buffer.from(m.v1!.data).toString('hex'));
    if (page.messages.length < 100) return bodies;
    cursor = page.messages[page.messages.length - 1]!.v1!.id.toBigInt();
  }
}

describe('durability of acknowledged writes (child-process node)', () => {
  const dirs: string[] = [];
  const children: ChildNode[] = [];
  afterAll(() => {
    for (const c of children) c.process.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged message across SIGKILLs during a stream of publishes', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const group = new Uint8Array(16).fill(0x5a);
    const acked = new Set<string>();
    let seq = 0;

    for (let round = 0; round < 3; round++) {
      const node = await spawnNode(['--data-dir', dataDir]);
      children.push(node);
      const client = clientFor(node);
      let killed = false;
      // 8 writers publish as fast as the node acknowledges; the node is SIGKILLed once some
      // hundreds are acknowledged in this round, with writes in flight.
      const writer = async () => {
        while (!killed) {
          const data = privateMessage(group, `r${round}-${seq++}`);
          try {
            await call(client, 'sendGroupMessages', { messages: [{ v1: { data, senderHmac: new Uint8Array(), shouldPush: true } }] });
            acked.add(Buffer.from(data).toString('hex'));
          } catch {
            return; // the node died: this write was never acknowledged
          }
        }
      };
      const target = acked.size + 150 + round * 50;
      const writers = Array.from({ length: 8 }, writer);
      while (acked.size < target) await new Promise((r) => setTimeout(r, 5));
      node.process.kill('SIGKILL');
      killed = true;
      expect(await node.exited).toBe('SIGKILL');
      await Promise.all(writers);
      client.close();
    }

    const node = await spawnNode(['--data-dir', dataDir]);
    children.push(node);
    const client = clientFor(node);
    const stored = await readAll(client, group);
    client.close();
    const missing = [...acked].filter((h) => !stored.has(h));
    expect(acked.size).toBeGreaterThan(450);
    expect(missing).toEqual([]);
    node.process.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  }, 120_000);
});
