import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RecentFrames, grpcFrames, http2StreamOf } from '../../../src/node/transport/grpcRawStream';

/** Splits gRPC length-prefixed messages; throws on a malformed buffer. */
function splitFrames(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] !== 0) throw new Error(`compressed flag at ${at}`);
    const len = view.getUint32(at + 1);
    out.push(bytes.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  if (at !== bytes.length) throw new Error('trailing bytes');
  return out;
}

describe('RecentFrames', () => {
  it('frames every batch as grpcFrames does, reusing the buffer only for the same messages in the same order', () => {
    const pool = Array.from({ length: 4 }, (_, i) => new Uint8Array(i * 7 + 1).fill(i));
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(3), { maxLength: 5 }), { maxLength: 12 }), (batches) => {
        const frames = new RecentFrames();
        let previous: { picks: number[]; out: Buffer } | undefined;
        for (const picks of batches) {
          const messages = picks.map((i) => pool[i]!);
          const out = frames.framesOf(messages);
          expect([...out]).toEqual([...grpcFrames(messages)]);
          const same = previous !== undefined && previous.picks.join() === picks.join();
          if (!same && previous) expect(out).not.toBe(previous.out);
          if (same) expect(out).toBe(previous!.out);
          previous = { picks, out };
        }
      }),
    );
  });

  it('does not reuse a batch whose messages are equal in content but other objects', () => {
    const frames = new RecentFrames();
    const first = frames.framesOf([new Uint8Array([1, 2])]);
    expect(frames.framesOf([new Uint8Array([1, 2])])).not.toBe(first);
  });
});

describe('grpcFrames', () => {
  it('lays out each message behind an uncompressed 5-byte length prefix, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (messages) => {
        const frames = grpcFrames(messages);
        expect(frames.length).toBe(messages.reduce((n, m) => n + 5 + m.length, 0));
        expect(splitFrames(frames).map((m) => [...m])).toEqual(messages.map((m) => [...m]));
      }),
    );
  });
});

describe('http2StreamOf', () => {
  let server: grpc.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
    server = undefined;
  });

  it('reaches the HTTP/2 stream under a grpc-js streaming call behind an interceptor, and frames written there reach the client in order', async () => {
    // The node's listener has an interceptor too (grpcServer.ts): one more layer to walk.
    const passThrough: grpc.ServerInterceptor = (_method, call) => new grpc.ServerInterceptingCall(call);
    server = new grpc.Server({ interceptors: [passThrough] });
    let found = false;
    server.addService(
      {
        Stream: {
          path: '/test.Raw/Stream',
          requestStream: false,
          responseStream: true,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      {
        Stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
          call.sendMetadata(new grpc.Metadata());
          const raw = http2StreamOf(call);
          found = raw !== undefined && raw.headersSent;
          call.write(Buffer.from([1])); // grpc-js's own path first: order must hold across both
          raw?.write(grpcFrames([new Uint8Array([2]), new Uint8Array([3, 3])]));
          call.end();
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );

    const session = connect(`http://127.0.0.1:${port}`);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/test.Raw/Stream', 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let status: unknown;
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('trailers', (t) => (status = t['grpc-status']));
      req.end(grpcFrames([new Uint8Array()]));
      await new Promise((resolve, reject) => req.on('end', resolve).on('error', reject));
      expect(found).toBe(true);
      expect(status).toBe('0');
      expect(splitFrames(Buffer.concat(chunks)).map((m) => [...m])).toEqual([[1], [2], [3, 3]]);
    } finally {
      session.close();
    }
  });
});
