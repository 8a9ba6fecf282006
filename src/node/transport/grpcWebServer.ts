import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  GRPC_WEB_CONTENT_TYPE,
  GrpcStatus,
  GrpcWebFrameParser,
  encodeGrpcWebDataFrame,
  encodeGrpcWebTrailerFrame,
  grpcWebTrailersOnlyHeaders,
} from '../../core/api';
import { isParleyError } from '../../core/errors';
import type { Dispatcher, TransportCall } from '../rpc/dispatcher';
import { clientKeyOf } from './clientKey';
import { drained } from './drained';
import { ConnectionGate } from './connectionGate';
import { DEV_CORS_ORIGINS, createOriginPolicy, type OriginPolicy } from './cors';
import { createHostPolicy, type HostPolicy } from './hostCheck';
import type { TlsIdentity } from './tlsIdentity';
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from './transportLimits';

export interface GrpcWebListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dispatcher: Dispatcher;
  /** Largest request message (XMTP: 25 MiB), checked on the frame header before buffering. */
  maxMessageBytes: number;
  /** What GET /health reports besides `status: "ok"`. */
  health?: () => Record<string, unknown>;
  /** Timeouts and connection caps (DEFAULT_TRANSPORT_LIMITS when absent). */
  limits?: TransportLimits;
  /** Browser origins admitted (DEV_CORS_ORIGINS when absent). */
  origins?: OriginPolicy;
  /** Host header names answered (the loopback names and `host` when absent). */
  hosts?: HostPolicy;
  /** Serve HTTPS with this certificate (reloaded with it) instead of cleartext HTTP/1.1. */
  tls?: TlsIdentity;
}

export interface GrpcWebListener {
  readonly port: number;
  /** Connections open now (metrics). */
  connections(): number;
  /** Stops accepting, waits up to `graceMs` for requests in flight, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

/**
 * gRPC-web over HTTP/1.1, or HTTPS with `tls` (grpc/grpc doc/PROTOCOL-WEB.md) for browsers and the extension: POST
 * /<service>/<method> with one framed request message; answers with framed messages and a
 * trailer frame, or a trailers-only response when a call fails before its first message.
 * Requests must name the node in Host (hostCheck.ts) and come from an admitted origin, if any
 * (cors.ts); GET /health answers liveness probes.
 */
export async function startGrpcWebListener(options: GrpcWebListenerOptions): Promise<GrpcWebListener> {
  const limits = options.limits ?? DEFAULT_TRANSPORT_LIMITS;
  const policies: RequestPolicies = {
    origins: options.origins ?? createOriginPolicy(DEV_CORS_ORIGINS),
    hosts: options.hosts ?? createHostPolicy({ listenHost: options.host, publicHosts: [] }),
  };
  const sockets = new Set<Socket>();
  const refused = new WeakSet<Socket>();
  const gate = new ConnectionGate({ perKey: limits.maxConnectionsPerIp, total: limits.maxConnections });
  const httpOptions: ServerOptions = {
    // A client that never finishes its headers, or dribbles its body, is cut (408) at these
    // times; a request once received is no longer timed, so a subscription's response lives on.
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // Node checks those timeouts on this period (30 s by default, which would stretch a
    // 10 s limit to 40 s).
    connectionsCheckingInterval: checkingIntervalOf(limits),
  };
  const onRequest: RequestListener = (req, res) => {
    // A connection over a cap is already answered 503 and ending: nothing it sends is served.
    if (refused.has(req.socket)) return;
    handle(options, policies, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const tls = options.tls;
  const server = tls
    ? createSecureServer({ ...httpOptions, cert: tls.current.cert, key: tls.current.key }, onRequest)
    : createServer(httpOptions, onRequest);
  const stopReloads = tls?.onChange((pair) => (server as ReturnType<typeof createSecureServer>).setSecureContext({ cert: pair.cert, key: pair.key }));
  // First, before the HTTP parser starts on the socket.
  server.prependListener('connection', (socket: Socket) => {
    const release = gate.admit(clientKeyOf(socket.remoteAddress));
    if (!release) {
      socket.on('error', () => {});
      // Under TLS this is the raw socket, before the handshake: no HTTP answer can reach the
      // client, so it is closed at once.
      if (tls) {
        socket.destroy();
        return;
      }
      refused.add(socket);
      socket.end(CONNECTION_REFUSED);
      return;
    }
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      release();
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    connections: () => gate.open,
    close: async (graceMs) => {
      stopReloads?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

interface RequestPolicies {
  origins: OriginPolicy;
  hosts: HostPolicy;
}

async function handle(options: GrpcWebListenerOptions, policies: RequestPolicies, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!policies.hosts.allows(req.headers.host)) {
    // 421: this server does not answer for that name (a rebound DNS name, most likely).
    req.resume();
    res.writeHead(421, { 'content-type': 'text/plain', connection: 'close' }).end('Unknown host name.\n');
    return;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !policies.origins.allows(origin)) {
    req.resume();
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end('Origin not allowed.\n');
    return;
  }
  const cors = policies.origins.headersFor(origin);
  const url = req.url ?? '/';
  const path = url.split('?')[0] ?? '/';

  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      ...cors,
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers':
        req.headers['access-control-request-headers'] ?? 'content-type, x-grpc-web, x-user-agent, grpc-timeout',
      'access-control-max-age': '86400',
    });
    res.end();
    return;
  }

  if (req.method === 'GET' && path === '/health') {
    res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: 'ok', ...options.health?.() }));
    return;
  }

  if (req.method !== 'POST') {
    res.writeHead(405, { ...cors, allow: 'POST, GET, OPTIONS' }).end();
    return;
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== GRPC_WEB_CONTENT_TYPE && contentType !== 'application/grpc-web') {
    res.writeHead(415, cors).end();
    return;
  }

  const entry = options.dispatcher.lookup(path);
  const trailersOnly = (status: number, message: string, closeConnection = false): void => {
    res.writeHead(200, { ...cors, ...grpcWebTrailersOnlyHeaders(status, message), ...(closeConnection ? { connection: 'close' } : {}) });
    res.end();
  };
  if (!entry) {
    req.resume();
    // Through the dispatcher only for its log line; it answers UNIMPLEMENTED.
    const outcome = await options.dispatcher.run(path.slice(0, 200), new Uint8Array(), {
      clientKey: clientKeyOf(req.socket.remoteAddress),
      signal: new AbortController().signal,
      write: async () => {},
    });
    trailersOnly(outcome.status, `${outcome.message} ${path.slice(0, 200)}`);
    return;
  }

  const read = await readRequestMessage(req, options.maxMessageBytes);
  if (!read.ok) {
    // The rest of the body is unread: the connection has no trustworthy boundary left.
    trailersOnly(read.status, read.message, true);
    req.destroy();
    return;
  }

  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  let headersSent = false;
  const sendHeaders = (): void => {
    if (headersSent) return;
    headersSent = true;
    res.writeHead(200, { ...cors, 'content-type': GRPC_WEB_CONTENT_TYPE, 'access-control-expose-headers': 'grpc-status, grpc-message' });
    res.flushHeaders();
  };
  // Streams open at once, so the client knows it is subscribed before any message.
  if (entry.spec.kind === 'serverStream') sendHeaders();

  const transport: TransportCall = {
    clientKey: clientKeyOf(req.socket.remoteAddress),
    signal: abort.signal,
    write: async (messages) => {
      if (abort.signal.aborted) throw new Error('client went away');
      sendHeaders();
      // Corked, the frames of a batch leave in one socket write (one HTTP/1.1 chunk).
      res.cork();
      let ready = true;
      for (const m of messages) ready = res.write(encodeGrpcWebDataFrame(m));
      res.uncork();
      if (!ready) await drained(res, abort.signal);
    },
  };
  const outcome = await options.dispatcher.run(path, read.message, transport);
  if (abort.signal.aborted) return;
  if (!headersSent && outcome.status !== GrpcStatus.OK) {
    trailersOnly(outcome.status, outcome.message);
    return;
  }
  sendHeaders();
  res.end(encodeGrpcWebTrailerFrame(outcome.status, outcome.message));
}

/** What a connection past a cap gets before it is closed. */
const CONNECTION_REFUSED = 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\nretry-after: 5\r\n\r\n';

/** Often enough that a timeout is enforced within a quarter of itself, at most once a second. */
function checkingIntervalOf(limits: TransportLimits): number {
  const shortest = Math.min(...[limits.headersTimeoutMs, limits.requestTimeoutMs].filter((ms) => ms > 0));
  return Number.isFinite(shortest) ? Math.max(25, Math.min(1000, Math.floor(shortest / 4))) : 1000;
}

type ReadResult = { ok: true; message: Uint8Array } | { ok: false; status: number; message: string };

/**
 * Reads exactly one data frame from the body; sizes are checked before anything is buffered.
 * Event listeners rather than `for await`: a Readable's async iterator costs a promise and a
 * generator step per chunk, paid on every gRPC-web call.
 */
function readRequestMessage(req: IncomingMessage, maxMessageBytes: number): Promise<ReadResult> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxMessageBytes + 5) {
    return Promise.resolve({
      ok: false,
      status: GrpcStatus.RESOURCE_EXHAUSTED,
      message: `Request body of ${declared} bytes exceeds the ${maxMessageBytes}-byte limit.`,
    });
  }
  return new Promise((resolve) => new RequestMessageReader(req, maxMessageBytes, resolve));
}

/** One request body's frames, from its stream events to one ReadResult. */
class RequestMessageReader {
  private readonly parser: GrpcWebFrameParser;
  private message: Uint8Array | undefined;
  private settled = false;

  constructor(
    private readonly req: IncomingMessage,
    maxMessageBytes: number,
    private readonly resolve: (result: ReadResult) => void,
  ) {
    this.parser = new GrpcWebFrameParser({ maxFrameBytes: maxMessageBytes });
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onCutOff);
    req.on('close', this.onCutOff);
  }

  private finish(result: ReadResult): void {
    if (this.settled) return;
    this.settled = true;
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onCutOff);
    this.req.off('close', this.onCutOff);
    // Whatever else the client sends is not read (the caller answers and closes the connection).
    if (!result.ok) this.req.pause();
    this.resolve(result);
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      for (const frame of this.parser.push(chunk)) {
        if (frame.kind !== 'data' || this.message !== undefined) {
          this.finish({ ok: false, status: GrpcStatus.INVALID_ARGUMENT, message: 'A gRPC-web request carries exactly one data frame.' });
          return;
        }
        this.message = frame.payload;
      }
    } catch (e) {
      if (isParleyError(e, 'Codec.TooLarge')) {
        this.finish({ ok: false, status: GrpcStatus.RESOURCE_EXHAUSTED, message: e.details ? `${e.shortMessage} ${e.details}` : e.shortMessage });
      } else if (isParleyError(e)) {
        this.finish({ ok: false, status: GrpcStatus.INVALID_ARGUMENT, message: e.details ? `${e.shortMessage} ${e.details}` : e.shortMessage });
      } else {
        this.finish({ ok: false, status: GrpcStatus.CANCELLED, message: 'The request body was cut off.' });
      }
    }
  };

  private readonly onEnd = (): void => {
    if (this.parser.bufferedBytes > 0) {
      this.finish({
        ok: false,
        status: GrpcStatus.INVALID_ARGUMENT,
        message: `Truncated gRPC-web frame: the body ended ${this.parser.bufferedBytes} bytes into a frame.`,
      });
    } else if (this.message === undefined) {
      this.finish({ ok: false, status: GrpcStatus.INVALID_ARGUMENT, message: 'The gRPC-web request has no message frame.' });
    } else {
      this.finish({ ok: true, message: this.message });
    }
  };

  /** An error or a close before the end: the client went away mid-body. */
  private readonly onCutOff = (): void => {
    this.finish({ ok: false, status: GrpcStatus.CANCELLED, message: 'The request body was cut off.' });
  };
}
