import type { MarkdownContent, TextContent } from '../content';
import { ContentTypes } from '../contentTypeId';
import { parameter, type EncodedContent } from '../encodedContent';
import { decodeUtf8, encodeUtf8, malformed } from './wire';

// libxmtp text.rs / markdown.rs: parameter encoding=UTF-8; a missing parameter means UTF-8.
const ENCODING = 'encoding';
const UTF8 = 'UTF-8';

function utf8Payload(encoded: EncodedContent, what: string): string {
  const encoding = parameter(encoded, ENCODING) ?? UTF8;
  if (encoding !== UTF8) throw malformed(what);
  return decodeUtf8(encoded.content, what);
}

export function encodeText(content: TextContent): EncodedContent {
  return { type: { ...ContentTypes.text }, parameters: { [ENCODING]: UTF8 }, content: encodeUtf8(content.text) };
}

export function decodeText(encoded: EncodedContent): TextContent {
  return { type: 'text', text: utf8Payload(encoded, 'text') };
}

export function encodeMarkdown(content: MarkdownContent): EncodedContent {
  return {
    type: { ...ContentTypes.markdown },
    parameters: { [ENCODING]: UTF8 },
    content: encodeUtf8(content.markdown),
  };
}

export function decodeMarkdown(encoded: EncodedContent): MarkdownContent {
  return { type: 'markdown', markdown: utf8Payload(encoded, 'markdown') };
}
