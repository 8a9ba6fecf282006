import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FRAME_BYTES,
  GrpcWebFrameParser,
  MAX_TRAILER_FRAME_BYTES,
  encodeGrpcWebDataFrame,
  encodeGrpcWebFrame,
  type GrpcWebFrame,
} from '../../../src/core/api/grpcWebFrames';
import { isParleyError } from '../../../src/core/errors';

function header(flags: number, length: number): Uint8Array {
  const h = new Uint8Array(5);
  const view = new DataView(h.buffer);
  view.setUint8(0, flags);
  view.setUint32(1, length);
  return h;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
  return 'no error';
}

/** Splits bytes at the given cut points (any numbers; taken modulo the length). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(bytes.slice(at, p));
    at = p;
  }
  chunks.push(bytes.slice(at));
  return chunks;
}

describe('gRPC-web frames', () => {
  it('frames a message as flag 0x00, big-endian length, payload', () => {
    expect([...encodeGrpcWebDataFrame(new Uint8Array([7, 8, 9]))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
    expect([...encodeGrpcWebFrame('trailer', new Uint8Array(0x0102))].slice(0, 5)).toEqual([0x80, 0, 0, 1, 2]);
  });

  it('parses hand-built data and trailer frames fed one byte at a time', () => {
    const trailer = new TextEncoder().encode('grpc-status: 0\r\n');
    const bytes = new Uint8Array([0, 0, 0, 0, 2, 0xaa, 0xbb, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, trailer.length, ...trailer]);
    const parser = new GrpcWebFrameParser();
    const frames: GrpcWebFrame[] = [];
    for (const b of bytes) frames.push(...parser.push(new Uint8Array([b])));
    expect(frames.map((f) => [f.kind, [...f.payload]])).toEqual([
      ['data', [0xaa, 0xbb]],
      ['data', []],
      ['trailer', [...trailer]],
    ]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('reports the bytes of an unfinished frame', () => {
    const parser = new GrpcWebFrameParser();
    expect(parser.push(new Uint8Array([0, 0, 0, 0, 4, 1, 2]))).toEqual([]);
    expect(parser.bufferedBytes).toBe(7);
  });

  it('refuses a frame announcing more than the cap as soon as its header is read', () => {
    const parser = new GrpcWebFrameParser();
    // Only the 5 header bytes arrive: the refusal cannot depend on buffering the payload.
    expect(codeOf(() => parser.push(header(0, DEFAULT_MAX_FRAME_BYTES + 1)))).toBe('Codec.TooLarge');
    expect(codeOf(() => new GrpcWebFrameParser().push(header(0, 0xffffffff)))).toBe('Codec.TooLarge');
  });

  it('accepts a frame of exactly the cap and refuses one byte more', () => {
    const payload = new Uint8Array(10).fill(1);
    expect(new GrpcWebFrameParser({ maxFrameBytes: 10 }).push(encodeGrpcWebDataFrame(payload))[0]?.payload).toEqual(payload);
    expect(codeOf(() => new GrpcWebFrameParser({ maxFrameBytes: 10 }).push(header(0, 11)))).toBe('Codec.TooLarge');
  });

  it('caps trailer frames far below data frames', () => {
    expect(codeOf(() => new GrpcWebFrameParser().push(header(0x80, MAX_TRAILER_FRAME_BYTES + 1)))).toBe('Codec.TooLarge');
    expect(new GrpcWebFrameParser().push(header(0x80, 0))).toHaveLength(1);
  });

  it('refuses compressed frames, which were never negotiated', () => {
    expect(codeOf(() => new GrpcWebFrameParser().push(header(0x01, 0)))).toBe('Codec.Malformed');
    expect(codeOf(() => new GrpcWebFrameParser().push(header(0x81, 0)))).toBe('Codec.Malformed');
  });

  it('refuses frames with unknown flag bits', () => {
    expect(codeOf(() => new GrpcWebFrameParser().push(header(0x40, 0)))).toBe('Codec.Malformed');
  });

  it('stays failed after a bad frame', () => {
    const parser = new GrpcWebFrameParser();
    expect(codeOf(() => parser.push(header(0x02, 0)))).toBe('Codec.Malformed');
    expect(codeOf(() => parser.push(encodeGrpcWebDataFrame(new Uint8Array([1]))))).toBe('Codec.Malformed');
  });

  it('does not let a reused input buffer change a parsed frame', () => {
    const parser = new GrpcWebFrameParser();
    const first = new Uint8Array([0, 0, 0, 0, 3, 1, 2]);
    parser.push(first);
    first.fill(9);
    const last = new Uint8Array([3]);
    const [frame] = parser.push(last);
    last.fill(9);
    expect([...frame!.payload]).toEqual([1, 2, 3]);
  });

  it('does not let a reused input buffer change a frame that arrived whole in one chunk', () => {
    const parser = new GrpcWebFrameParser();
    const chunk = new Uint8Array([0, 0, 0, 0, 2, 1, 2, 0, 0, 0, 0, 1, 3]);
    const frames = parser.push(chunk);
    chunk.fill(9);
    expect(frames.map((f) => [...f.payload])).toEqual([[1, 2], [3]]);
  });

  it('gives the same frames for many small frames whatever the chunking, headers split or whole', () => {
    const frameArb = fc.record({
      kind: fc.constantFrom<GrpcWebFrame['kind']>('data', 'trailer'),
      payload: fc.uint8Array({ maxLength: 9 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
        const stream = concatAll(frames.map((f) => encodeGrpcWebFrame(f.kind, f.payload)));
        const whole = new GrpcWebFrameParser().push(stream);
        const parser = new GrpcWebFrameParser();
        const parsed: GrpcWebFrame[] = [];
        for (const c of chunk(stream, cuts)) parsed.push(...parser.push(c));
        const plain = (fs: GrpcWebFrame[]) => fs.map((f) => ({ kind: f.kind, payload: [...f.payload] }));
        expect(plain(parsed)).toEqual(plain(whole));
        expect(plain(whole)).toEqual(frames.map((f) => ({ kind: f.kind, payload: [...f.payload] })));
        expect(parser.bufferedBytes).toBe(0);
      }),
    );
  });

  it('round-trips any frames through any chunking of the stream', () => {
    const frameArb = fc.record({
      kind: fc.constantFrom<GrpcWebFrame['kind']>('data', 'trailer'),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
        const stream = concatAll(frames.map((f) => encodeGrpcWebFrame(f.kind, f.payload)));
        const parser = new GrpcWebFrameParser();
        const parsed: GrpcWebFrame[] = [];
        for (const c of chunk(stream, cuts)) parsed.push(...parser.push(c));
        expect(parsed.map((f) => ({ kind: f.kind, payload: [...f.payload] }))).toEqual(
          frames.map((f) => ({ kind: f.kind, payload: [...f.payload] })),
        );
        expect(parser.bufferedBytes).toBe(0);
      }),
    );
  });

  it('gives only ParleyErrors for random bytes in random chunks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 0, max: 64 }),
        (bytes, cuts, cap) => {
          const parser = new GrpcWebFrameParser({ maxFrameBytes: cap });
          try {
            for (const c of chunk(bytes, cuts)) {
              for (const f of parser.push(c)) expect(f.payload.length).toBeLessThanOrEqual(cap);
            }
          } catch (e) {
            expect(isParleyError(e, 'Codec.Malformed') || isParleyError(e, 'Codec.TooLarge')).toBe(true);
          }
        },
      ),
    );
  });
});

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
