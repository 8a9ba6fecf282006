import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/core/api';
import { privateMessage } from './fixtures';
import { call, openStream, settle, startTestNode, type TestNode } from './helpers';

const u64 = (n: number | bigint): Long => Long.fromBigInt(BigInt(n), true);
const text = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(b.length - 8));

function send(node: TestNode, group: Uint8Array, body: string) {
  return call(node.client, 'sendGroupMessages', {
    messages: [{ v1: { data: privateMessage(group, body.padStart(8, '.')), senderHmac: new Uint8Array(), shouldPush: true } }],
  });
}

describe('subscriptions', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('replays history after the cursor, then delivers live messages', async () => {
    const group = new Uint8Array(16).fill(1);
    for (let i = 0; i < 3; i++) await send(node, group, `h${i}`);
    const history = await call(node.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
    const firstId = history.messages[history.messages.length - 1]!.v1!.id;

    const stream = openStream(node.client, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: firstId }] });
    const replay = await stream.take(2);
    expect(replay.map((m) => text(m.v1!.data))).toEqual(['......h1', '......h2']);
    await send(node, group, 'live');
    const [live] = await stream.take(1);
    expect(text(live!.v1!.data)).toBe('....live');
    expect(live!.v1!.id.toBigInt() > replay[1]!.v1!.id.toBigInt()).toBe(true);
    stream.cancel();
  });

  it('switches from catch-up to live with no gap and no duplicate under concurrent publishing', async () => {
    const groups = [new Uint8Array(16).fill(2), new Uint8Array(16).fill(3)];
    const total = 400;
    // Half the messages exist before the subscription; the rest are published while it catches up.
    for (let i = 0; i < total / 2; i++) await send(node, groups[i % 2]!, `p${i}`);
    const publishing = (async () => {
      for (let i = total / 2; i < total; i++) {
        await send(node, groups[i % 2]!, `p${i}`);
        if (i % 20 === 0) await settle(1);
      }
    })();
    const stream = openStream(node.client, 'subscribeGroupMessages', {
      filters: groups.map((groupId) => ({ groupId, idCursor: u64(0) })),
    });
    await publishing;
    const got = await stream.take(total, 20_000);
    await settle(100);
    expect(stream.buffered).toHaveLength(0);
    stream.cancel();

    const bodies = got.map((m) => text(m.v1!.data).replace(/\./g, ''));
    expect(new Set(bodies).size).toBe(total);
    for (const g of groups) {
      const key = Buffer.from(g).toString('hex');
      const ids = got.filter((m) => Buffer.from(m.v1!.groupId).toString('hex') === key).map((m) => m.v1!.id.toBigInt());
      expect(ids).toHaveLength(total / 2);
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    }
  });

  it('catches up many groups at once, each in id order', async () => {
    const groups = Array.from({ length: 40 }, (_, i) => new Uint8Array([0x60, i]));
    for (let round = 0; round < 3; round++) {
      await Promise.all(groups.map((g, i) => send(node, g, `g${i}r${round}`)));
    }
    const stream = openStream(node.client, 'subscribeGroupMessages', { filters: groups.map((groupId) => ({ groupId, idCursor: u64(0) })) });
    const got = await stream.take(120);
    stream.cancel();
    for (let i = 0; i < groups.length; i++) {
      const mine = got.filter((m) => m.v1!.groupId[1] === i && m.v1!.groupId[0] === 0x60);
      expect(mine.map((m) => text(m.v1!.data).replace(/\./g, ''))).toEqual([`g${i}r0`, `g${i}r1`, `g${i}r2`]);
      const ids = mine.map((m) => m.v1!.id.toBigInt());
      expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
    }
  });

  it('does not deliver other groups, nor a re-sent duplicate', async () => {
    const mine = new Uint8Array(16).fill(4);
    const other = new Uint8Array(16).fill(5);
    const stream = openStream(node.client, 'subscribeGroupMessages', { filters: [{ groupId: mine, idCursor: u64(0) }] });
    await settle(50);
    await send(node, other, 'not-mine');
    await send(node, mine, 'mine');
    await send(node, mine, 'mine');
    await send(node, mine, 'mine2');
    const got = await stream.take(2);
    expect(got.map((m) => text(m.v1!.data))).toEqual(['....mine', '...mine2']);
    await settle(100);
    expect(stream.buffered).toHaveLength(0);
    stream.cancel();
  });

  it('streams welcomes per installation from the cursor on', async () => {
    const inst = new Uint8Array(32).fill(6);
    const welcome = (n: number) => ({
      v1: { installationKey: inst, data: new Uint8Array([n]), hpkePublicKey: new Uint8Array(32).fill(1), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() },
    });
    await call(node.client, 'sendWelcomeMessages', { messages: [welcome(1)] });
    const stream = openStream(node.client, 'subscribeWelcomeMessages', { filters: [{ installationKey: inst, idCursor: u64(0) }] });
    const [first] = await stream.take(1);
    expect(first!.v1!.data).toEqual(new Uint8Array([1]));
    await call(node.client, 'sendWelcomeMessages', { messages: [welcome(2), welcome(3)] });
    const live = await stream.take(2);
    expect(live.map((w) => w.v1!.data[0])).toEqual([2, 3]);
    stream.cancel();
  });

  it('refuses a welcome subscription without filters', async () => {
    const stream = openStream(node.client, 'subscribeWelcomeMessages', { filters: [] });
    const end = await stream.ended;
    expect(end.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it('ends live streams with UNAVAILABLE when the node shuts down', async () => {
    const own = await startTestNode();
    const stream = openStream(own.client, 'subscribeGroupMessages', { filters: [{ groupId: new Uint8Array([7]), idCursor: u64(0) }] });
    await settle(100);
    const stopping = own.stop();
    const end = await stream.ended;
    await stopping;
    expect(end.code).toBe(GrpcStatus.UNAVAILABLE);
  });
});
