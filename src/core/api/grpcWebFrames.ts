import { ParleyError } from '../errors';

/*
 * gRPC-web message framing (grpc/grpc doc/PROTOCOL-WEB.md): every message, and the trailer
 * block at the end of a response, travels as a frame of one flag byte, a 4-byte big-endian
 * length and the payload. Written here rather than taken from @connectrpc/connect: its
 * envelope and trailer helpers are marked internal (no semver), throw its own error type, and
 * pull in a second protobuf runtime (@bufbuild/protobuf) beside @xmtp/proto's protobufjs.
 */

export const GRPC_WEB_CONTENT_TYPE = 'application/grpc-web+proto';

/** XMTP's limit for one gRPC payload (libxmtp xmtp_configuration GRPC_PAYLOAD_LIMIT). */
export const DEFAULT_MAX_FRAME_BYTES = 25 * 1024 * 1024;

/**
 * Trailer blocks are a few header lines; gRPC servers cap header lists at a few KiB, so a
 * large trailer is hostile and refused long before the data-frame cap.
 */
export const MAX_TRAILER_FRAME_BYTES = 64 * 1024;

const FRAME_HEADER_BYTES = 5;
const FLAG_TRAILER = 0x80;
const FLAG_COMPRESSED = 0x01;

export type GrpcWebFrameKind = 'data' | 'trailer';

export interface GrpcWebFrame {
  kind: GrpcWebFrameKind;
  payload: Uint8Array;
}

/** One frame: flag (0x00 data, 0x80 trailer), uint32 big-endian length, payload. */
export function encodeGrpcWebFrame(kind: GrpcWebFrameKind, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  if (payload.length > 0xffffffff) {
    throw new ParleyError('Codec.TooLarge', 'A gRPC-web frame holds at most 4 GiB.');
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, kind === 'trailer' ? FLAG_TRAILER : 0);
  view.setUint32(1, payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** A data frame around one serialized protobuf message. */
export function encodeGrpcWebDataFrame(message: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeGrpcWebFrame('data', message);
}

export interface GrpcWebFrameParserOptions {
  /** Largest data-frame payload accepted; checked on the header, before any payload is kept. */
  maxFrameBytes?: number;
}

/**
 * Incremental parser for a gRPC-web byte stream that arrives in arbitrary chunks. Lengths are
 * checked against the cap as soon as the 5-byte header is complete, so an oversized frame is
 * refused without waiting for (or buffering) its payload. After an error the parser stays
 * failed: a stream with a bad frame has no trustworthy frame boundary after it.
 */
export class GrpcWebFrameParser {
  private readonly maxFrameBytes: number;
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFill = 0;
  private current: { kind: GrpcWebFrameKind; length: number; parts: Uint8Array[]; fill: number } | undefined;
  private failure: ParleyError | undefined;

  constructor(opts: GrpcWebFrameParserOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes of an incomplete frame held so far; non-zero at end of stream means truncation. */
  get bufferedBytes(): number {
    return this.current ? FRAME_HEADER_BYTES + this.current.fill : this.headerFill;
  }

  /** Feeds one chunk; returns the frames it completed, in order. */
  push(chunk: Uint8Array): GrpcWebFrame[] {
    if (this.failure) throw this.failure;
    try {
      return this.consume(chunk);
    } catch (e) {
      this.failure = e instanceof ParleyError ? e : new ParleyError('Codec.Malformed', 'Unreadable gRPC-web frame.', { cause: e });
      throw this.failure;
    }
  }

  private consume(chunk: Uint8Array): GrpcWebFrame[] {
    const frames: GrpcWebFrame[] = [];
    let offset = 0;
    for (;;) {
      if (!this.current) {
        let flags: number;
        let length: number;
        if (this.headerFill === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          // The usual case on a stream: the header sits whole in this chunk, so read it in place.
          flags = chunk[offset]!;
          length = readUint32(chunk, offset + 1);
          offset += FRAME_HEADER_BYTES;
        } else {
          const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - offset);
          this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
          this.headerFill += take;
          offset += take;
          if (this.headerFill < FRAME_HEADER_BYTES) return frames;
          this.headerFill = 0;
          flags = this.header[0]!;
          length = readUint32(this.header, 1);
        }
        const kind = this.checkHeader(flags, length);
        if (chunk.length - offset >= length) {
          // The whole payload is here too: one copy (slice, so that a frame does not change if the
          // caller reuses its chunk buffer) and no per-frame bookkeeping.
          frames.push({ kind, payload: chunk.slice(offset, offset + length) });
          offset += length;
          if (offset === chunk.length) return frames;
          continue;
        }
        this.current = { kind, length, parts: [], fill: 0 };
      }
      const frame = this.current;
      const take = Math.min(frame.length - frame.fill, chunk.length - offset);
      if (take > 0) {
        frame.parts.push(chunk.slice(offset, offset + take));
        frame.fill += take;
        offset += take;
      }
      if (frame.fill < frame.length) return frames;
      frames.push({ kind: frame.kind, payload: concat(frame.parts, frame.length) });
      this.current = undefined;
      if (offset === chunk.length) return frames;
    }
  }

  private checkHeader(flags: number, length: number): GrpcWebFrameKind {
    if (flags & FLAG_COMPRESSED) {
      // We never send grpc-accept-encoding, so a compressed frame breaks the negotiation.
      throw new ParleyError('Codec.Malformed', 'The gRPC-web stream holds a compressed frame, which was not negotiated.', {
        details: `flags 0x${flags.toString(16).padStart(2, '0')}`,
      });
    }
    if (flags !== 0 && flags !== FLAG_TRAILER) {
      throw new ParleyError('Codec.Malformed', 'The gRPC-web stream holds a frame with unknown flags.', {
        details: `flags 0x${flags.toString(16).padStart(2, '0')}`,
      });
    }
    const kind: GrpcWebFrameKind = flags === FLAG_TRAILER ? 'trailer' : 'data';
    const cap = kind === 'trailer' ? Math.min(MAX_TRAILER_FRAME_BYTES, this.maxFrameBytes) : this.maxFrameBytes;
    if (length > cap) {
      throw new ParleyError('Codec.TooLarge', `A gRPC-web ${kind} frame is larger than allowed.`, {
        details: `${length} bytes announced, at most ${cap}`,
      });
    }
    return kind;
  }
}

/** Big-endian uint32 at `at`; the caller has checked that four bytes are there. */
function readUint32(bytes: Uint8Array, at: number): number {
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
