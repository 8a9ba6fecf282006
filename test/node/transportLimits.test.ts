import { connect as connectHttp2 } from 'node:http2';
import { connect, type Socket } from 'node:net';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from '../../src/node/transport/transportLimits';
import { privateMessage } from './fixtures';
import { call, settle, startTestNode, type TestNode } from './helpers';

/*
 * Hostile clients that hold connections instead of making calls (slowloris), against a real
 * node's listeners with short limits.
 */

interface RawConnection {
  socket: Socket;
  /** Everything the node sent so far. */
  received(): string;
  /** Resolves once the node (or the client) closed the connection. */
  closed: Promise<void>;
}

async function rawConnection(port: number, localAddress = '127.0.0.1'): Promise<RawConnection> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => text, closed };
}

/** Waits until `text()` holds `pattern` or the connection closes; returns what arrived. */
async function until(connection: RawConnection, pattern: RegExp): Promise<string> {
  let closed = false;
  void connection.closed.then(() => (closed = true));
  while (!pattern.test(connection.received()) && !closed) await settle(10);
  return connection.received();
}

const health = (host = '127.0.0.1') => `GET /health HTTP/1.1\r\nhost: ${host}\r\n\r\n`;

function limitsOf(overrides: Partial<TransportLimits>): TransportLimits {
  return { ...DEFAULT_TRANSPORT_LIMITS, ...overrides };
}

describe('gRPC-web listener timeouts', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ transportLimits: limitsOf({ headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 }) });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('cuts a client that never finishes its headers with 408', async () => {
    const c = await rawConnection(node.webPort);
    c.socket.write('POST /xmtp.mls.api.v1.MlsApi/QueryGroupMessages HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    // One more header line now and then keeps the socket busy but never ends the headers.
    const drip = setInterval(() => c.socket.write('x-drip: 1\r\n'), 50);
    await c.closed;
    clearInterval(drip);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a client that dribbles its request body with 408', async () => {
    const c = await rawConnection(node.webPort);
    c.socket.write(
      'POST /xmtp.identity.api.v1.IdentityApi/GetInboxIds HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
        'content-type: application/grpc-web+proto\r\ncontent-length: 995\r\n\r\n',
    );
    // A frame header promising 990 bytes, then the bytes one at a time.
    c.socket.write(new Uint8Array([0, 0, 0, 0x03, 0xde]));
    const drip = setInterval(() => c.socket.write(new Uint8Array([0])), 50);
    await c.closed;
    clearInterval(drip);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps a subscription open past every timeout and delivers to it', async () => {
    const api = createGrpcWebApi({ url: `http://127.0.0.1:${node.webPort}` });
    const group = new Uint8Array(16).fill(0x3c);
    const abort = new AbortController();
    const iterator = api.subscribeGroupMessages({ filters: [{ groupId: group, idCursor: Long.UZERO }] }, { signal: abort.signal })[Symbol.asyncIterator]();
    // Three times the longest limit, with nothing sent either way.
    await settle(1800);
    const message = privateMessage(group, 'after a quiet while');
    await call(node.client, 'sendGroupMessages', { messages: [{ v1: { data: message, senderHmac: new Uint8Array(), shouldPush: true } }] });
    const next = await iterator.next();
    expect(next.value?.v1?.data).toEqual(message);
    abort.abort();
    await iterator.return?.();
  });
});

describe('gRPC-web connection caps', () => {
  let node: TestNode;
  const open: RawConnection[] = [];
  beforeAll(async () => {
    node = await startTestNode({ transportLimits: limitsOf({ maxConnectionsPerIp: 3, maxConnections: 5 }) });
  });
  afterAll(async () => {
    for (const c of open) c.socket.destroy();
    await node.stop();
  });

  /** A connection that has been served (GET /health) and stays open (keep-alive). */
  async function served(localAddress: string): Promise<RawConnection> {
    const c = await rawConnection(node.webPort, localAddress);
    open.push(c);
    c.socket.write(health());
    expect(await until(c, /"status":"ok"/)).toMatch(/^HTTP\/1\.1 200/);
    return c;
  }

  async function refused(localAddress: string): Promise<void> {
    const c = await rawConnection(node.webPort, localAddress);
    c.socket.write(health());
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 503/);
    expect(c.received()).not.toMatch(/"status":"ok"/);
  }

  it('refuses an address its connection past the per-IP cap, and admits one when a connection closes', async () => {
    const mine = [await served('127.0.0.1'), await served('127.0.0.1'), await served('127.0.0.1')];
    await refused('127.0.0.1');
    // Another address is not held to the first one's cap.
    await served('127.0.0.2');
    mine[0]!.socket.destroy();
    await mine[0]!.closed;
    // The node sees the close on its own time: retry until the slot is free.
    for (;;) {
      const c = await rawConnection(node.webPort, '127.0.0.1');
      c.socket.write(health());
      const text = await until(c, /"status":"ok"/);
      if (/^HTTP\/1\.1 200/.test(text)) {
        open.push(c);
        break;
      }
      expect(text).toMatch(/^HTTP\/1\.1 503/);
      await settle(20);
    }
  });

  it('refuses every address past the total cap', async () => {
    // 3 from 127.0.0.1 and 1 from 127.0.0.2 are open: one more makes 5.
    await served('127.0.0.3');
    await refused('127.0.0.4');
  });
});

describe('native gRPC listener limits', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ transportLimits: limitsOf({ idleTimeoutMs: 300, maxStreamsPerConnection: 7 }) });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('advertises its cap on concurrent calls per connection', async () => {
    const session = connectHttp2(`http://127.0.0.1:${node.grpcPort}`);
    session.on('error', () => {});
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once('remoteSettings', resolve));
    session.destroy();
    expect(settings.maxConcurrentStreams).toBe(7);
  });

  it('closes a connection that never opens a call', async () => {
    const c = await rawConnection(node.grpcPort);
    await c.closed;
    // The HTTP/2 server's settings frame, then its GOAWAY: the node closed it, not the client.
    expect(c.received().length).toBeGreaterThan(0);
  });
});
