import { ParleyError } from '../errors';
import { GRPC_WEB_CONTENT_TYPE, encodeGrpcWebFrame } from './grpcWebFrames';

/*
 * gRPC-web trailers (grpc/grpc doc/PROTOCOL-WEB.md): the status ends the response either in
 * a trailer frame whose payload is an HTTP/1-style header block (`name: value\r\n` lines), or,
 * when there is no message at all, in the HTTP response headers ("trailers-only").
 * grpc-message is percent-encoded UTF-8 (doc/PROTOCOL-HTTP2.md, Status-Message).
 */

export interface GrpcCallStatus {
  status: number;
  /** The server's status message, percent-decoded; empty when it sent none. */
  message: string;
}

const HEX = '0123456789ABCDEF';
// A header field name is an HTTP token (RFC 9110 §5.6.2); trailer names are lowercase.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** Percent-encodes a status message: bytes outside 0x20–0x7E, and '%' itself, become %XX. */
export function percentEncodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(message)) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/**
 * Decodes a percent-encoded status message. Never throws: the spec says a bad encoding must not
 * lose the message, so an invalid %-sequence is kept as it is and bad UTF-8 becomes U+FFFD.
 */
export function percentDecodeGrpcMessage(value: string): string {
  const encoder = new TextEncoder();
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    const codePoint = value.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(codePoint);
    for (const b of encoder.encode(char)) bytes.push(b);
    i += char.length - 1;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The trailer block for a status: `grpc-status` and, when there is one, `grpc-message`. */
export function encodeGrpcWebTrailers(status: number, message = ''): Uint8Array {
  let block = `grpc-status: ${status}\r\n`;
  if (message !== '') block += `grpc-message: ${percentEncodeGrpcMessage(message)}\r\n`;
  return new TextEncoder().encode(block);
}

/** The last frame of a gRPC-web response body. */
export function encodeGrpcWebTrailerFrame(status: number, message = ''): Uint8Array<ArrayBuffer> {
  return encodeGrpcWebFrame('trailer', encodeGrpcWebTrailers(status, message));
}

/**
 * HTTP response headers for a trailers-only answer (no message, e.g. an error before any
 * output). A browser reads grpc-status cross-origin only if the server exposes it, so the
 * Access-Control-Expose-Headers line goes with it.
 */
export function grpcWebTrailersOnlyHeaders(status: number, message = ''): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': GRPC_WEB_CONTENT_TYPE,
    'grpc-status': String(status),
    'access-control-expose-headers': 'grpc-status, grpc-message',
  };
  if (message !== '') headers['grpc-message'] = percentEncodeGrpcMessage(message);
  return headers;
}

/**
 * Parses a trailer block into lowercase names → values (repeated names joined with ", ", as
 * HTTP does). Hostile bytes give Codec.Malformed, never another throw.
 */
export function parseGrpcWebTrailers(block: Uint8Array): Map<string, string> {
  const fields = new Map<string, string>();
  // Non-fatal decoding: invalid UTF-8 cannot throw here; it surfaces as U+FFFD in a value.
  const text = new TextDecoder().decode(block);
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new ParleyError('Codec.Malformed', 'The gRPC-web trailer holds a line that is not a header field.', {
        details: JSON.stringify(line.slice(0, 80)),
      });
    }
    const value = line.slice(colon + 1).trim();
    const previous = fields.get(name);
    fields.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return fields;
}

/**
 * Reads grpc-status and grpc-message through a header lookup (a trailer map or the HTTP
 * response headers). Undefined when there is no grpc-status; Api.BadResponse when it is not
 * a number.
 */
export function readGrpcStatus(get: (name: string) => string | null | undefined): GrpcCallStatus | undefined {
  const raw = get('grpc-status');
  if (raw === null || raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (!/^\d{1,10}$/.test(trimmed)) {
    throw new ParleyError('Api.BadResponse', 'The node sent a grpc-status that is not a number.', {
      details: JSON.stringify(trimmed.slice(0, 40)),
    });
  }
  return { status: Number(trimmed), message: percentDecodeGrpcMessage(get('grpc-message') ?? '') };
}
