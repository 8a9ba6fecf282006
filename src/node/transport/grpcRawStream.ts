import type { ServerHttp2Stream } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/**
 * The HTTP/2 stream under a grpc-js server-streaming call, so a batch of ready messages can
 * leave as one write (one DATA frame where it fits) instead of one grpc-js write each: a
 * grpc-js write allocates and copies a framed buffer, runs the interceptor chain and two
 * Writable state machines, and costs a native write and its completion callback; a subscriber
 * receiving a busy group pays that per message.
 *
 * grpc-js has no public way to write pre-framed bytes, so this reads its internals (1.14:
 * ServerWritableStreamImpl.call → ServerInterceptingCall.nextCall → BaseServerInterceptingCall
 * .stream). Anything unexpected gives undefined and the caller keeps using call.write;
 * test/node/transport/grpcRawStream.test.ts fails if an upgrade moves them.
 */
export function http2StreamOf(call: grpc.ServerWritableStream<unknown, unknown>): ServerHttp2Stream | undefined {
  let layer: unknown = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && layer !== null && typeof layer === 'object'; depth++) {
    const stream = (layer as { stream?: unknown }).stream;
    if (isHttp2Stream(stream)) return stream;
    layer = (layer as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

function isHttp2Stream(value: unknown): value is ServerHttp2Stream {
  if (value === null || typeof value !== 'object') return false;
  const s = value as Partial<ServerHttp2Stream>;
  return typeof s.write === 'function' && typeof s.respond === 'function' && typeof s.sendTrailers === 'function' && 'session' in s;
}

/** gRPC length-prefixed messages (grpc/grpc doc/PROTOCOL-HTTP2.md, uncompressed) in one buffer. */
export function grpcFrames(messages: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const m of messages) total += 5 + m.byteLength;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const m of messages) {
    out[at] = 0;
    out.writeUInt32BE(m.byteLength, at + 1);
    out.set(m, at + 5);
    at += 5 + m.byteLength;
  }
  return out;
}

/**
 * grpcFrames that remembers its last batch: the subscribers of a group receive the same encoded
 * messages (one object per record, encoded once) in the same loop turn, so after the first of
 * them the framed buffer is reused rather than allocated and copied again for each. Batches are
 * compared element by element by identity; the buffer is never written after it is built, so
 * several streams may hold it in their write queues at once.
 */
export class RecentFrames {
  private lastMessages: readonly Uint8Array[] = [];
  private lastFrames: Buffer | undefined;

  framesOf(messages: readonly Uint8Array[]): Buffer {
    if (this.lastFrames && sameElements(messages, this.lastMessages)) return this.lastFrames;
    const frames = grpcFrames(messages);
    this.lastMessages = messages;
    this.lastFrames = frames;
    return frames;
  }
}

function sameElements(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
