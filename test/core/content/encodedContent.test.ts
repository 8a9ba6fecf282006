import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Compression,
  EncodedContent as EncodedContentProto,
} from '@xmtp/proto/mls/message_contents/content.pb';
import {
  MAX_WIRE_CONTENT_BYTES,
  decodeEncodedContent,
  encodeEncodedContent,
  type EncodedContent,
} from '../../../src/core/content';
import { ParleyError } from '../../../src/core/errors';
import { unicode } from './arbitraries';

const encodedContentArb: fc.Arbitrary<EncodedContent> = fc.record(
  {
    type: fc.record({
      authorityId: unicode(12),
      typeId: unicode(12),
      versionMajor: fc.nat({ max: 0xffff_ffff }),
      versionMinor: fc.nat({ max: 0xffff_ffff }),
    }),
    // ts-proto's generated decoder assigns map entries onto a plain object, where a
    // "__proto__" key is swallowed: the one parameter name that cannot round-trip.
    parameters: fc.dictionary(unicode(10).filter((k) => k !== '__proto__'), unicode(20), { maxKeys: 4, noNullPrototype: true }),
    fallback: unicode(40),
    compression: fc.constantFrom(Compression.COMPRESSION_DEFLATE, Compression.COMPRESSION_GZIP),
    content: fc.uint8Array({ maxLength: 200 }),
  },
  { requiredKeys: ['type', 'parameters', 'content'] },
);

describe('EncodedContent', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(encodedContentArb, (encoded) => {
        expect(decodeEncodedContent(encodeEncodedContent(encoded))).toEqual(encoded);
      }),
    );
  });

  it('gives only Codec errors for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeEncodedContent(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect(['Codec.Malformed', 'Codec.TooLarge']).toContain((e as ParleyError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects content without a content type, as libxmtp does', () => {
    const bytes = EncodedContentProto.encode({ type: undefined, parameters: {}, content: new Uint8Array([1]) }).finish();
    expect(() => decodeEncodedContent(bytes)).toThrowError(expect.objectContaining({ code: 'Codec.Malformed' }));
  });

  it('refuses more than a gRPC payload before parsing it', () => {
    const bytes = new Uint8Array(MAX_WIRE_CONTENT_BYTES + 1);
    expect(() => decodeEncodedContent(bytes)).toThrowError(expect.objectContaining({ code: 'Codec.TooLarge' }));
  });

  it('returns content that does not share memory with the input', () => {
    const bytes = encodeEncodedContent({
      type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 },
      parameters: {},
      content: new Uint8Array([1, 2, 3]),
    });
    const decoded = decodeEncodedContent(bytes);
    bytes.fill(0);
    expect(decoded.content).toEqual(new Uint8Array([1, 2, 3]));
    expect(decoded.content.constructor).toBe(Uint8Array);
  });
});
