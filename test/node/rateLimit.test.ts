import { IdentifierKind } from '@xmtp/proto/identity/associations/association.pb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/core/api';
import { privateMessage } from './fixtures';
import { GrpcCallError, call, startTestNode, type TestNode } from './helpers';

describe('rate limits', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ rateLimits: { writes: 5, reads: 1000, windowMs: 300_000 } });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('answers writes over the client budget with RESOURCE_EXHAUSTED and keeps serving reads', async () => {
    const group = new Uint8Array([9, 9]);
    const send = (i: number) =>
      call(node.client, 'sendGroupMessages', { messages: [{ v1: { data: privateMessage(group, `r${i}`), senderHmac: new Uint8Array(), shouldPush: true } }] });
    for (let i = 0; i < 5; i++) await send(i);
    let caught: unknown;
    try {
      await send(5);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GrpcCallError);
    expect((caught as GrpcCallError).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const q = await call(node.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
    expect(q.messages).toHaveLength(5);
    const ids = await call(node.client, 'getInboxIds', { requests: [{ identifier: '0x01', identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM }] });
    expect(ids.responses).toHaveLength(1);
  });
});
