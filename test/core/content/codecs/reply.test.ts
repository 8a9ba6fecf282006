import { describe, expect, it } from 'vitest';
import { EncodedContent } from '@xmtp/proto/mls/message_contents/content.pb';
import { ContentTypes, decodeUncompressedContent, encodeContent, isContentError } from './helpers';

const reference = 'ab'.repeat(32);

describe('reply content', () => {
  it('carries the inner EncodedContent as its body and reference, contentType, referenceInboxId as parameters', () => {
    const encoded = encodeContent({ type: 'reply', reference, referenceInboxId: 'cd'.repeat(32), content: { type: 'text', text: 'yes' } });
    expect(encoded.type).toEqual({ authorityId: 'xmtp.org', typeId: 'reply', versionMajor: 1, versionMinor: 0 });
    expect(encoded.parameters).toEqual({ reference, contentType: 'xmtp.org/text:1.0', referenceInboxId: 'cd'.repeat(32) });
    expect(EncodedContent.decode(encoded.content)).toMatchObject({
      type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 },
      parameters: { encoding: 'UTF-8' },
    });
  });

  it('reads a missing reference as empty, as libxmtp does', () => {
    const inner = EncodedContent.encode({ type: { ...ContentTypes.text }, parameters: {}, content: new TextEncoder().encode('hi') }).finish();
    expect(decodeUncompressedContent({ type: { ...ContentTypes.reply }, parameters: {}, content: inner })).toEqual({
      type: 'reply',
      reference: '',
      content: { type: 'text', text: 'hi' },
    });
  });

  it('rejects a body that is not an EncodedContent', () => {
    const bad = { type: { ...ContentTypes.reply }, parameters: { reference }, content: new Uint8Array([0x0a, 0xff]) };
    expect(isContentError(() => decodeUncompressedContent(bad), 'Codec.Malformed')).toBe(true);
  });
});
