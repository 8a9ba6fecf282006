import { connect } from 'node:net';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi, type NetworkApi } from '../../src/core/api';
import { isParleyError } from '../../src/core/errors';
import { DEV_CHROME_EXTENSION_ORIGIN, DEV_FIREFOX_EXTENSION_ORIGIN } from '../../src/node/transport/cors';
import { privateMessage } from './fixtures';
import { startTestNode, type TestNode } from './helpers';

describe('gRPC-web listener', () => {
  let node: TestNode;
  let api: NetworkApi;
  beforeAll(async () => {
    node = await startTestNode();
    api = createGrpcWebApi({ url: `http://127.0.0.1:${node.webPort}` });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('serves unary calls and server streams to the core gRPC-web client', async () => {
    const group = new Uint8Array(16).fill(0x77);
    await api.sendGroupMessages({ messages: [{ v1: { data: privateMessage(group, 'first'), senderHmac: new Uint8Array(), shouldPush: true } }] });
    const abort = new AbortController();
    const stream = api.subscribeGroupMessages({ filters: [{ groupId: group, idCursor: Long.UZERO }] }, { signal: abort.signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    await api.sendGroupMessages({ messages: [{ v1: { data: privateMessage(group, 'second'), senderHmac: new Uint8Array(), shouldPush: true } }] });
    const second = await iterator.next();
    expect(second.value!.v1!.data).toEqual(privateMessage(group, 'second'));
    abort.abort();
    await iterator.return?.();
    const q = await api.queryGroupMessages({ groupId: group, pagingInfo: undefined });
    expect(q.messages).toHaveLength(2);
  });

  it('keeps serving after clients leave in the middle of a request body, and answers bodies sent in pieces', async () => {
    const path = '/xmtp.identity.api.v1.IdentityApi/GetInboxIds';
    for (let i = 0; i < 5; i++) {
      const socket = connect(node.webPort, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      // 30 bytes announced, a frame header promising 20, then the client is gone.
      socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 30\r\n\r\n`);
      socket.write(new Uint8Array([0, 0, 0, 0, 20, 1, 2]));
      await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
    }
    // The same request whole, but written a few bytes at a time.
    const socket = connect(node.webPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 5\r\n\r\n`);
    for (const b of [0, 0, 0, 0, 0]) {
      socket.write(new Uint8Array([b]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // The chunked body ends with its empty last chunk.
    for (let waited = 0; !answer.endsWith('\r\n0\r\n\r\n') && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('grpc-status: 0');
    expect((await api.getInboxIds({ requests: [] })).responses).toEqual([]);
  });

  it('reports errors as typed gRPC statuses', async () => {
    let caught: unknown;
    try {
      await api.sendGroupMessages({ messages: [] });
    } catch (e) {
      caught = e;
    }
    expect(isParleyError(caught, 'Api.InvalidArgument')).toBe(true);
  });

  it('grants CORS to the development extension and the demo dApp by default, to no other extension, port or site', async () => {
    const preflight = (origin: string) =>
      fetch(`http://127.0.0.1:${node.webPort}/xmtp.mls.api.v1.MlsApi/QueryGroupMessages`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-grpc-web' },
      });
    for (const origin of [DEV_CHROME_EXTENSION_ORIGIN, DEV_FIREFOX_EXTENSION_ORIGIN, 'http://localhost:5173']) {
      const res = await preflight(origin);
      expect(res.status, origin).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-headers')).toMatch(/x-grpc-web/);
    }
    for (const origin of [
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      'moz-extension://0b6d2c36-8f0a-4a0e-9d0f-5f0d1e2c3b4a',
      'http://localhost:8080',
      'http://127.0.0.1:5173',
      'https://evil.example',
    ]) {
      const res = await preflight(origin);
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('answers GET /health', async () => {
    const res = await fetch(`http://127.0.0.1:${node.webPort}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', backend: 'sqlite', commits: expect.any(Number), writes: expect.any(Number) });
  });
});
