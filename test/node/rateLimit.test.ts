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

  describe('charged per item and per byte', () => {
    let metered: TestNode;
    beforeAll(async () => {
      metered = await startTestNode({ rateLimits: { writes: 10, reads: 1000, writeBytes: 64 * 1024, windowMs: 300_000 } });
    });
    afterAll(async () => {
      await metered.stop();
    });

    const welcomes = (n: number, tag: string, bytes = 1) => ({
      messages: Array.from({ length: n }, (_, i) => ({
        v1: { installationKey: new Uint8Array(32).fill(i + 1), data: new Uint8Array(bytes).fill(7).map((v, j) => (j === 0 ? tag.charCodeAt(0) : v)), hpkePublicKey: new Uint8Array(32), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() },
      })),
    });
    async function codeOf(p: Promise<unknown>): Promise<number> {
      return p.then(
        () => GrpcStatus.OK,
        (e: unknown) => (e instanceof GrpcCallError ? e.code : -1),
      );
    }

    it('a request of N welcomes costs N writes: 8, then 3 more are refused, 2 still pass', async () => {
      expect(await codeOf(call(metered.client, 'sendWelcomeMessages', welcomes(8, 'a')))).toBe(GrpcStatus.OK);
      expect(await codeOf(call(metered.client, 'sendWelcomeMessages', welcomes(3, 'b')))).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(await codeOf(call(metered.client, 'sendWelcomeMessages', welcomes(2, 'c')))).toBe(GrpcStatus.OK);
      // The refused request stored nothing.
      const stored = await call(metered.client, 'queryWelcomeMessages', { installationKey: new Uint8Array(32).fill(1), pagingInfo: undefined });
      expect(stored.messages.map((m) => m.v1!.data[0]).sort()).toEqual(['a'.charCodeAt(0), 'c'.charCodeAt(0)]);
    });
  });

  it('refuses one write bigger than the byte budget with RESOURCE_EXHAUSTED, however few its items', async () => {
    const small = await startTestNode({ rateLimits: { writes: 0, reads: 0, writeBytes: 10_000, windowMs: 300_000 } });
    try {
      const group = new Uint8Array([4, 4]);
      const send = (bytes: number, fill: number) =>
        call(small.client, 'sendGroupMessages', { messages: [{ v1: { data: privateMessage(group, new Uint8Array(bytes).fill(fill)), senderHmac: new Uint8Array(), shouldPush: true } }] });
      await send(4000, 1);
      const refused = await send(8000, 2).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((refused as GrpcCallError).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      await send(4000, 3);
      const q = await call(small.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
      expect(q.messages).toHaveLength(2);
    } finally {
      await small.stop();
    }
  });
});
