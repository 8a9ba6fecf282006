import { describe, expect, it } from 'vitest';
import { EncodedContent } from '@xmtp/proto/mls/message_contents/content.pb';
import {
  contentTypeIdToString,
  decodeEncodedContent,
  decodeUncompressedContent,
  encodeContent,
  encodeEncodedContent,
  isContentError,
} from './helpers';

describe('text content', () => {
  it('writes xmtp.org/text:1.0 with encoding=UTF-8 and the UTF-8 bytes, as libxmtp text.rs does', () => {
    const encoded = encodeContent({ type: 'text', text: 'gm 👋' });
    expect(encoded.type).toEqual({ authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 });
    expect(contentTypeIdToString(encoded.type!)).toBe('xmtp.org/text:1.0');
    expect(encoded.parameters).toEqual({ encoding: 'UTF-8' });
    expect(encoded.fallback).toBeUndefined();
    expect(encoded.compression).toBeUndefined();
    expect(Array.from(encoded.content)).toEqual([0x67, 0x6d, 0x20, 0xf0, 0x9f, 0x91, 0x8b]);
  });

  it('serialises to the same bytes as an EncodedContent built field by field with the proto codec', () => {
    const expected = EncodedContent.encode({
      type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 },
      parameters: { encoding: 'UTF-8' },
      content: new TextEncoder().encode('hello'),
    }).finish();
    const actual = encodeEncodedContent(encodeContent({ type: 'text', text: 'hello' }));
    expect(Buffer.from(actual).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    // Field 1 type {1 "xmtp.org", 2 "text", 3 1}, field 2 map entry {1 "encoding", 2 "UTF-8"}, field 4 "hello".
    expect(Buffer.from(actual).toString('hex')).toBe(
      '0a120a08786d74702e6f726712047465787418011211' +
        '0a08656e636f64696e6712055554462d38' +
        '220568656c6c6f',
    );
  });

  it('reads text without an encoding parameter as UTF-8, as libxmtp does', () => {
    const decoded = decodeUncompressedContent({
      type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 },
      parameters: {},
      content: new TextEncoder().encode('hi'),
    });
    expect(decoded).toEqual({ type: 'text', text: 'hi' });
  });

  it('reads a later minor version with the same codec', () => {
    const decoded = decodeUncompressedContent({
      type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 7 },
      parameters: { encoding: 'UTF-8' },
      content: new TextEncoder().encode('hi'),
    });
    expect(decoded).toEqual({ type: 'text', text: 'hi' });
  });

  it('keeps a leading byte-order mark as text', () => {
    const bytes = encodeEncodedContent(encodeContent({ type: 'text', text: '\uFEFFhi' }));
    expect(decodeUncompressedContent(decodeEncodedContent(bytes))).toEqual({ type: 'text', text: '\uFEFFhi' });
  });

  it('rejects another encoding and invalid UTF-8 as malformed', () => {
    const type = { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 };
    expect(isContentError(() => decodeUncompressedContent({ type, parameters: { encoding: 'latin1' }, content: new Uint8Array([0x68]) }), 'Codec.Malformed')).toBe(true);
    expect(isContentError(() => decodeUncompressedContent({ type, parameters: {}, content: new Uint8Array([0xc3, 0x28]) }), 'Codec.Malformed')).toBe(true);
  });

  it('writes markdown as xmtp.org/markdown:1.0 with encoding=UTF-8', () => {
    const encoded = encodeContent({ type: 'markdown', markdown: '# gm' });
    expect(contentTypeIdToString(encoded.type!)).toBe('xmtp.org/markdown:1.0');
    expect(encoded.parameters).toEqual({ encoding: 'UTF-8' });
    expect(new TextDecoder().decode(encoded.content)).toBe('# gm');
  });
});
