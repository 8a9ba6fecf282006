import * as grpc from '@grpc/grpc-js';
import { apiMethods, type ApiMethodName } from '../../core/api';
import type { Dispatcher, TransportCall } from '../rpc/dispatcher';
import { clientKeyOf } from './clientKey';
import { drained } from './drained';
import { RecentFrames, http2StreamOf } from './grpcRawStream';
import type { TlsIdentity } from './tlsIdentity';
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from './transportLimits';

export interface GrpcListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dispatcher: Dispatcher;
  /** Largest request or response message (XMTP: 25 MiB). */
  maxMessageBytes: number;
  /** Idle time and streams per connection (DEFAULT_TRANSPORT_LIMITS when absent). */
  limits?: TransportLimits;
  /** Serve gRPC over TLS (h2) with this certificate instead of cleartext HTTP/2. */
  tls?: TlsIdentity;
}

export interface GrpcListener {
  readonly port: number;
  /** HTTP/2 connections open now (metrics); undefined if this grpc-js no longer shows them. */
  connections(): number | undefined;
  /** Stops accepting, waits up to `graceMs` for calls in flight, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

const passThrough = (b: Buffer): Buffer => b;
const NEVER_ABORTED = new AbortController().signal;
const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const RESOLVED = Promise.resolve();
const EMPTY = new Uint8Array();

/**
 * Native gRPC over cleartext HTTP/2 (what node-sdk speaks for http:// URLs), or over TLS with
 * `tls` (https:// URLs). Requests reach the
 * dispatcher as raw bytes, so a malformed protobuf is the dispatcher's INVALID_ARGUMENT rather
 * than grpc-js's INTERNAL; oversized messages are refused by grpc-js itself (RESOURCE_EXHAUSTED)
 * from the length prefix, before they are buffered; unknown paths get UNIMPLEMENTED from grpc-js.
 */
export async function startGrpcListener(options: GrpcListenerOptions): Promise<GrpcListener> {
  const server = new grpc.Server({
    ...grpcLimitOptions(options.limits ?? DEFAULT_TRANSPORT_LIMITS),
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
    // channelz (grpc-js's introspection service, which the node does not serve) would keep
    // per-call and per-message counters and timestamps for nothing.
    'grpc.enable_channelz': 0,
    interceptors: [framingStatusInterceptor],
  });

  const definitions: Record<string, grpc.MethodDefinition<Buffer, Uint8Array>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  const frames = new RecentFrames();
  for (const name of Object.keys(apiMethods) as ApiMethodName[]) {
    const spec = apiMethods[name];
    const stream = spec.kind === 'serverStream';
    definitions[name] = {
      path: spec.path,
      requestStream: false,
      responseStream: stream,
      requestSerialize: toBuffer,
      requestDeserialize: passThrough,
      responseSerialize: toBuffer,
      responseDeserialize: passThrough,
      originalName: spec.name,
    };
    implementation[name] = stream
      ? (call: grpc.ServerWritableStream<Buffer, Uint8Array>) => serveStream(options.dispatcher, spec.path, call, options.maxMessageBytes, frames)
      : (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>) =>
          serveUnary(options.dispatcher, spec.path, call, callback);
  }
  server.addService(definitions, implementation);

  const address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentialsOf(options.tls), (error, bound) => (error ? reject(error) : resolve(bound))),
  );

  return {
    port,
    connections: () => sessionCountOf(server),
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * TLS through grpc-js's certificate-provider credentials, so a reload reaches the listener
 * without a restart. grpc-js 1.14's createCertificateProviderServerCredentials hands its first
 * argument to the constructor's *identity* slot (its declared names are swapped): the identity
 * provider goes first, and no CA provider, since the node asks no client certificate.
 */
function credentialsOf(tls: TlsIdentity | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.experimental.createCertificateProviderServerCredentials(tls, null, false);
}

/**
 * grpc-js keeps no public count of its connections (channelz, which would, is off for its cost):
 * this reads its listeners' session sets (grpc-js 1.14), and says undefined if they are gone.
 */
function sessionCountOf(server: grpc.Server): number | undefined {
  const listeners = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(listeners instanceof Map)) return undefined;
  let n = 0;
  for (const info of listeners.values() as Iterable<{ sessions?: unknown }>) {
    if (!(info.sessions instanceof Set)) return undefined;
    n += info.sessions.size;
  }
  return n;
}

/** Server pings on a connection quiet this long, to find peers that vanished (a NAT forgot them). */
const KEEPALIVE_TIME_MS = 2 * 60_000;
/** A ping unanswered this long closes the connection and cancels its calls. */
const KEEPALIVE_TIMEOUT_MS = 20_000;

/**
 * What grpc-js offers against held connections. No connection age limit: it would cut
 * long-lived subscriptions on a schedule. No connection cap: grpc-js has none (a connection
 * with no call is closed after the idle time, so one that never opens a stream goes too).
 */
function grpcLimitOptions(limits: TransportLimits): grpc.ServerOptions {
  return {
    ...(limits.maxStreamsPerConnection > 0 ? { 'grpc.max_concurrent_streams': limits.maxStreamsPerConnection } : {}),
    ...(limits.idleTimeoutMs > 0 ? { 'grpc.max_connection_idle_ms': limits.idleTimeoutMs } : {}),
    'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  };
}

/**
 * grpc-js answers a request whose body ends inside a frame ("no request message") or carries two
 * messages with UNIMPLEMENTED, which would tell the client the method does not exist. The
 * request is malformed, so the node says INVALID_ARGUMENT.
 */
const framingStatusResponder = new grpc.ResponderBuilder()
  .withSendStatus((status, next) => {
    if (status.code === grpc.status.UNIMPLEMENTED && /^Received (no|a second) request message/.test(status.details)) {
      next({
        ...status,
        code: grpc.status.INVALID_ARGUMENT,
        details: status.details.startsWith('Received no')
          ? 'The request holds no complete message (truncated frame).'
          : 'The request holds more than one message.',
      });
      return;
    }
    next(status);
  })
  .build();
// The responder holds no per-call state: one for every call.
const framingStatusInterceptor: grpc.ServerInterceptor = (_method, call) => new grpc.ServerInterceptingCall(call, framingStatusResponder);

function serveUnary(
  dispatcher: Dispatcher,
  path: string,
  call: grpc.ServerUnaryCall<Buffer, Uint8Array>,
  callback: grpc.sendUnaryData<Uint8Array>,
): void {
  const transport = new UnaryTransport(clientKeyOf(call.getPeer()));
  void dispatcher.run(path, call.request, transport).then(({ status, message }) => {
    if (status === grpc.status.OK) callback(null, transport.response);
    else callback({ code: status, details: message });
  });
}

/** A unary call's side of the dispatcher: keeps the one response (a class, not a closure per call). */
class UnaryTransport implements TransportCall {
  response: Uint8Array = EMPTY;
  // A unary call runs to its end even if the client leaves: a write it started is kept.
  readonly signal = NEVER_ABORTED;
  constructor(readonly clientKey: string) {}
  write(messages: readonly Uint8Array[]): Promise<void> {
    this.response = messages[0] ?? this.response;
    return RESOLVED;
  }
}

function serveStream(
  dispatcher: Dispatcher,
  path: string,
  call: grpc.ServerWritableStream<Buffer, Uint8Array>,
  maxMessageBytes: number,
  frames: RecentFrames,
): void {
  const abort = new AbortController();
  call.on('cancelled', () => abort.abort());
  call.on('error', () => abort.abort());
  // Headers go out at once, before any message: tonic-based clients (libxmtp) wait for them to
  // consider the stream open (xmtp-node-go sends "subscribed: true" for the same reason).
  const headers = new grpc.Metadata();
  headers.set('subscribed', 'true');
  call.sendMetadata(headers);
  // Batches bypass grpc-js's per-message writes once the headers are out (grpcRawStream.ts).
  const stream = http2StreamOf(call);
  const raw = stream?.headersSent ? stream : undefined;
  // A write racing the client's reset errors the stream; its 'close' already cancels the call
  // (grpc-js listens for one error only, a second would be uncaught).
  raw?.on('error', () => abort.abort());
  const transport: TransportCall = {
    clientKey: clientKeyOf(call.getPeer()),
    signal: abort.signal,
    write: (messages) => {
      if (abort.signal.aborted) return Promise.reject(new Error('stream cancelled'));
      if (raw?.destroyed) return Promise.reject(new Error('stream cancelled'));
      if (raw && messages.every((m) => m.byteLength <= maxMessageBytes)) {
        return raw.write(frames.framesOf(messages)) ? RESOLVED : drained(raw, abort.signal);
      }
      // grpc-js's own path (and its RESOURCE_EXHAUSTED for an oversized response).
      let ready = true;
      for (const m of messages) ready = call.write(m);
      return ready ? RESOLVED : drained(call, abort.signal);
    },
  };
  void dispatcher.run(path, call.request, transport).then(({ status, message }) => {
    if (call.cancelled) return;
    if (status === grpc.status.OK) call.end();
    else call.emit('error', { code: status, details: message });
  });
}
