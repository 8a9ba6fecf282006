import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeGrpcWebTrailerFrame,
  encodeGrpcWebTrailers,
  grpcWebTrailersOnlyHeaders,
  parseGrpcWebTrailers,
  percentDecodeGrpcMessage,
  percentEncodeGrpcMessage,
  readGrpcStatus,
} from '../../../src/core/api/grpcWebTrailers';
import { isParleyError } from '../../../src/core/errors';

const utf8 = (s: string) => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
  return 'no error';
}

describe('grpc-message percent-encoding', () => {
  it('encodes non-ASCII as UTF-8 %XX and escapes % but keeps printable ASCII', () => {
    expect(percentEncodeGrpcMessage('bad key: 100% é\n')).toBe('bad key: 100%25 %C3%A9%0A');
  });

  it('keeps an invalid %-sequence as it is instead of losing the message', () => {
    expect(percentDecodeGrpcMessage('100%zz done%')).toBe('100%zz done%');
    expect(percentDecodeGrpcMessage('%C3%A9t%C3')).toBe('ét\uFFFD');
  });

  it('round-trips any Unicode message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (message) => {
        const encoded = percentEncodeGrpcMessage(message);
        expect(encoded).toMatch(/^[\x20-\x7e]*$/);
        expect(percentDecodeGrpcMessage(encoded)).toBe(message);
      }),
    );
  });

  it('never throws on arbitrary header text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (value) => {
        expect(typeof percentDecodeGrpcMessage(value)).toBe('string');
      }),
    );
  });
});

describe('gRPC-web trailers', () => {
  it('writes HTTP/1-style header lines', () => {
    expect(new TextDecoder().decode(encodeGrpcWebTrailers(3, 'no: 5%'))).toBe('grpc-status: 3\r\ngrpc-message: no: 5%25\r\n');
    expect(new TextDecoder().decode(encodeGrpcWebTrailers(0))).toBe('grpc-status: 0\r\n');
    expect(encodeGrpcWebTrailerFrame(0)[0]).toBe(0x80);
  });

  it('reads a block written by another server: mixed case names, spaces, bare LF, repeats', () => {
    const fields = parseGrpcWebTrailers(utf8('Grpc-Status:7\r\ngrpc-message:  denied%21 \nx-a: 1\r\nx-a: 2\r\n\r\n'));
    expect(Object.fromEntries(fields)).toEqual({ 'grpc-status': '7', 'grpc-message': 'denied%21', 'x-a': '1, 2' });
    expect(readGrpcStatus((n) => fields.get(n))).toEqual({ status: 7, message: 'denied!' });
  });

  it('rejects a line that is not a header field', () => {
    expect(codeOf(() => parseGrpcWebTrailers(utf8('grpc-status 0\r\n')))).toBe('Codec.Malformed');
    expect(codeOf(() => parseGrpcWebTrailers(utf8(': 0\r\n')))).toBe('Codec.Malformed');
    expect(codeOf(() => parseGrpcWebTrailers(utf8('grpc status: 0\r\n')))).toBe('Codec.Malformed');
  });

  it('has no status without grpc-status and rejects a status that is not a number', () => {
    expect(readGrpcStatus(() => null)).toBeUndefined();
    expect(codeOf(() => readGrpcStatus((n) => (n === 'grpc-status' ? 'ok' : null)))).toBe('Api.BadResponse');
  });

  it('round-trips any status and message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.string({ unit: 'binary', maxLength: 60 }), (status, message) => {
        const fields = parseGrpcWebTrailers(encodeGrpcWebTrailers(status, message));
        expect(readGrpcStatus((n) => fields.get(n))).toEqual({ status, message });
      }),
    );
  });

  it('gives only ParleyErrors for random trailer bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const fields = parseGrpcWebTrailers(bytes);
          readGrpcStatus((n) => fields.get(n));
        } catch (e) {
          expect(isParleyError(e, 'Codec.Malformed') || isParleyError(e, 'Api.BadResponse')).toBe(true);
        }
      }),
    );
  });

  it('builds trailers-only headers that expose the status to browsers', () => {
    const headers = grpcWebTrailersOnlyHeaders(8, 'slow down');
    expect(headers).toMatchObject({
      'content-type': 'application/grpc-web+proto',
      'grpc-status': '8',
      'grpc-message': 'slow down',
    });
    expect(headers['access-control-expose-headers']).toContain('grpc-status');
  });
});
