import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiMethods, encodeGrpcWebDataFrame } from '../../src/core/api';
import { privateMessage } from './fixtures';
import { call, startTestNode, type TestNode } from './helpers';

/*
 * Browsers' view of the gRPC-web listener: a hostile page calling with its own Origin, and a
 * page on a DNS-rebound name (same-origin to the browser, so only the Host header tells).
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with the headers as given (fetch forbids setting Host). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SEND_PATH = apiMethods.sendGroupMessages.path;

function sendGroupMessageBody(group: Uint8Array, text: string): Uint8Array {
  const request = apiMethods.sendGroupMessages.requestCodec.encode({
    messages: [{ v1: { data: privateMessage(group, text), senderHmac: new Uint8Array(), shouldPush: true } }],
  });
  return encodeGrpcWebDataFrame(request.finish());
}

const grpcWeb = { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' };

describe('Host header check (DNS rebinding)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ publicHosts: ['node.example.org'] });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('refuses a call whose Host is a name the node does not answer to, and does not run it', async () => {
    const group = new Uint8Array(16).fill(0x41);
    const rebound = await send(node.webPort, 'POST', SEND_PATH, { ...grpcWeb, host: `attacker.example:${node.webPort}` }, sendGroupMessageBody(group, 'rebound'));
    expect(rebound.status).toBe(421);
    for (const [method, path] of [
      ['GET', '/health'],
      ['OPTIONS', SEND_PATH],
    ] as const) {
      expect((await send(node.webPort, method, path, { host: `attacker.example:${node.webPort}` })).status, method).toBe(421);
    }
    // A subdomain of an allowed name, or localhost with a trailing dot, is another name.
    expect((await send(node.webPort, 'GET', '/health', { host: 'evil.node.example.org' })).status).toBe(421);
    expect((await send(node.webPort, 'GET', '/health', { host: 'localhost.' })).status).toBe(421);
    const stored = await call(node.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
    expect(stored.messages).toHaveLength(0);
  });

  it('answers the loopback names, IP addresses and --public-host names', async () => {
    for (const host of ['localhost', `localhost:${node.webPort}`, `127.0.0.1:${node.webPort}`, `[::1]:${node.webPort}`, '10.1.2.3:80', 'NODE.example.org', 'node.example.org:443']) {
      const res = await send(node.webPort, 'GET', '/health', { host });
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'ok' });
    }
    const group = new Uint8Array(16).fill(0x42);
    const res = await send(node.webPort, 'POST', SEND_PATH, { ...grpcWeb, host: `localhost:${node.webPort}` }, sendGroupMessageBody(group, 'kept'));
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/grpc-status: ?0/);
    const stored = await call(node.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
    expect(stored.messages).toHaveLength(1);
  });
});

describe('CORS allow-list', () => {
  let node: TestNode;
  let open: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ corsOrigins: ['https://app.example', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop'] });
    open = await startTestNode({ corsOrigins: ['*'] });
  });
  afterAll(async () => {
    await node.stop();
    await open.stop();
  });

  const host = (n: TestNode) => `127.0.0.1:${n.webPort}`;

  it('refuses a call from an origin not on the list outright, so it has no effect', async () => {
    const group = new Uint8Array(16).fill(0x43);
    const res = await send(node.webPort, 'POST', SEND_PATH, { ...grpcWeb, host: host(node), origin: 'https://evil.example' }, sendGroupMessageBody(group, 'forged'));
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const stored = await call(node.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
    expect(stored.messages).toHaveLength(0);
  });

  it('admits exactly the configured origins, not the development defaults', async () => {
    for (const origin of ['https://app.example', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop']) {
      const res = await send(node.webPort, 'OPTIONS', SEND_PATH, { host: host(node), origin, 'access-control-request-method': 'POST' });
      expect(res.status, origin).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
    }
    for (const origin of ['https://app.example:8443', 'http://app.example', 'http://localhost:5173', 'chrome-extension://kalcnooapnkhapgaabmoggphnaehhbac']) {
      const res = await send(node.webPort, 'OPTIONS', SEND_PATH, { host: host(node), origin, 'access-control-request-method': 'POST' });
      expect(res.status, origin).toBe(403);
    }
    // Clients outside a browser send no Origin.
    expect((await send(node.webPort, 'GET', '/health', { host: host(node) })).status).toBe(200);
  });

  it('admits any origin on a node configured with *', async () => {
    const res = await send(open.webPort, 'GET', '/health', { host: host(open), origin: 'https://any.example' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://any.example');
  });
});
