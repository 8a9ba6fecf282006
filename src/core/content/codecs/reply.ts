import type { Content, KnownContent, ReplyContent } from '../content';
import { ContentTypes, contentTypeIdToString } from '../contentTypeId';
import {
  decodeEncodedContent,
  encodeEncodedContent,
  parameter,
  type EncodedContent,
} from '../encodedContent';
import { invalid } from './wire';

/** libxmtp reply.rs ReplyCodec::fallback: quotes the reply only when it is text. */
export function replyFallback(content: ReplyContent): string {
  return content.content.type === 'text'
    ? `Replied with "${content.content.text}" to an earlier message`
    : 'Replied to an earlier message';
}

/**
 * The inner content travels as a whole EncodedContent in the body; reference, the
 * inner type (`contentType`, which xmtp-js still reads) and referenceInboxId as parameters.
 */
export function encodeReply(
  content: ReplyContent,
  encodeInner: (inner: KnownContent) => EncodedContent,
): EncodedContent {
  if (content.content.type === 'unknown') throw invalid('reply', 'the replied content has no codec');
  const inner = encodeInner(content.content);
  const parameters: Record<string, string> = { reference: content.reference };
  if (inner.type !== undefined) parameters.contentType = contentTypeIdToString(inner.type);
  if (content.referenceInboxId !== undefined) parameters.referenceInboxId = content.referenceInboxId;
  return {
    type: { ...ContentTypes.reply },
    parameters,
    fallback: replyFallback(content),
    content: encodeEncodedContent(inner),
  };
}

/** A missing reference reads as "" (libxmtp get_param_or_default); a bad body is malformed. */
export function decodeReply(
  encoded: EncodedContent,
  decodeInner: (inner: EncodedContent) => Content,
): ReplyContent {
  const inner = decodeEncodedContent(encoded.content);
  const out: ReplyContent = {
    type: 'reply',
    reference: parameter(encoded, 'reference') ?? '',
    content: decodeInner(inner),
  };
  const referenceInboxId = parameter(encoded, 'referenceInboxId');
  if (referenceInboxId !== undefined) out.referenceInboxId = referenceInboxId;
  return out;
}
