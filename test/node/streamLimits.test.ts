import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/core/api';
import { privateMessage } from './fixtures';
import { call, openStream, startTestNode, type OpenStream, type TestNode } from './helpers';

const u64 = (n: number): Long => Long.fromNumber(n, true);

describe('subscription caps against a real node', () => {
  let node: TestNode;
  const group = new Uint8Array(16).fill(0x5a);
  let sent = 0;
  beforeAll(async () => {
    node = await startTestNode({ streamLimits: { perClient: 2, total: 100, topicsPerStream: 20, totalTopics: 1000 } });
  });
  afterAll(async () => {
    await node.stop();
  });

  const send = () =>
    call(node.client, 'sendGroupMessages', {
      messages: [{ v1: { data: privateMessage(group, `m${sent++}`), senderHmac: new Uint8Array(), shouldPush: true } }],
    });

  /** A group stream that has proved it is live (it received a message sent after it opened). */
  async function liveStreams(n: number): Promise<OpenStream<unknown>[]> {
    const streams = Array.from({ length: n }, () => openStream(node.client, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: u64(0) }] }));
    await send();
    for (const s of streams) await s.take(sent);
    return streams;
  }

  it('refuses a client its third stream with RESOURCE_EXHAUSTED, and admits one once a stream closes', async () => {
    const [first, second] = await liveStreams(2);
    const third = openStream(node.client, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: u64(0) }] });
    const refused = await third.ended;
    expect(refused.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/Too many open subscriptions from this client/);
    // The welcome stream draws on the same budget.
    const welcome = openStream(node.client, 'subscribeWelcomeMessages', { filters: [{ installationKey: new Uint8Array(32).fill(1), idCursor: u64(0) }] });
    expect((await welcome.ended).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);

    first!.cancel();
    await first!.ended;
    // The node learns of the cancel on its own time: retry until the freed slot is taken.
    let admitted: OpenStream<unknown> | undefined;
    while (!admitted) {
      const next = openStream(node.client, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: u64(0) }] });
      // An admitted stream catches up on the group's history; a refused one ends.
      const live = await next.take(1).then(
        () => true,
        () => false,
      );
      if (live) admitted = next;
      else expect((await next.ended).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    }
    admitted.cancel();
    second!.cancel();
    await Promise.all([admitted.ended, second!.ended]);
  });

  it('refuses a subscription naming more topics than a stream may', async () => {
    const filters = Array.from({ length: 21 }, (_, i) => ({ groupId: new Uint8Array(16).fill(i + 1), idCursor: u64(0) }));
    const stream = openStream(node.client, 'subscribeGroupMessages', { filters });
    const status = await stream.ended;
    expect(status.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/Too many topics in one subscription.*21, at most 20/);
  });
});
