import { ParleyError } from '../errors';
import type { Content, KnownContent, UnknownContent } from './content';
import { ContentTypes, contentTypeIdToString, type ContentTypeId } from './contentTypeId';
import { decompressEncodedContent } from './decompress';
import type { EncodedContent } from './encodedContent';
import { decodeAttachment, encodeAttachment } from './codecs/attachment';
import { decodeGroupUpdated, encodeGroupUpdated } from './codecs/groupUpdated';
import { decodeReactionV1, decodeReactionV2, encodeReaction } from './codecs/reaction';
import { decodeReadReceipt, encodeReadReceipt } from './codecs/readReceipt';
import { decodeRemoteAttachment, encodeRemoteAttachment } from './codecs/remoteAttachment';
import { decodeReply, encodeReply } from './codecs/reply';
import { decodeMarkdown, decodeText, encodeMarkdown, encodeText } from './codecs/text';
import { decodeTransactionReference, encodeTransactionReference } from './codecs/transactionReference';
import { decodeWalletSendCalls, encodeWalletSendCalls } from './codecs/walletSendCalls';

/** The id a content is written with. */
export function contentTypeOf(content: KnownContent): ContentTypeId {
  return { ...ContentTypes[content.type] };
}

/** Writes a content as libxmtp v1.10.0's codec for its type would, fallback text included. */
export function encodeContent(content: KnownContent): EncodedContent {
  switch (content.type) {
    case 'text':
      return encodeText(content);
    case 'markdown':
      return encodeMarkdown(content);
    case 'reaction':
      return encodeReaction(content);
    case 'reply':
      return encodeReply(content, encodeContent);
    case 'readReceipt':
      return encodeReadReceipt(content);
    case 'attachment':
      return encodeAttachment(content);
    case 'remoteStaticAttachment':
      return encodeRemoteAttachment(content);
    case 'transactionReference':
      return encodeTransactionReference(content);
    case 'walletSendCalls':
      return encodeWalletSendCalls(content);
    case 'groupUpdated':
      return encodeGroupUpdated(content);
  }
}

type Decoder = (encoded: EncodedContent, nested: boolean) => KnownContent;

/** Keyed by authority, type and major version: the minor version never changes the codec. */
const decoderKey = (id: ContentTypeId): string => `${id.authorityId}/${id.typeId}:${id.versionMajor}`;

const decoders = new Map<string, Decoder>([
  [decoderKey(ContentTypes.text), decodeText],
  [decoderKey(ContentTypes.markdown), decodeMarkdown],
  [decoderKey(ContentTypes.reaction), decodeReactionV2],
  [decoderKey({ ...ContentTypes.reaction, versionMajor: 1 }), decodeReactionV1],
  [decoderKey(ContentTypes.reply), (encoded, nested) => {
    // libxmtp resolves one level of reply; a reply to a reply shows its fallback.
    if (nested) throw new ParleyError('Content.Unsupported', 'A reply cannot contain a reply.');
    return decodeReply(encoded, decodeNestedContent);
  }],
  [decoderKey(ContentTypes.readReceipt), decodeReadReceipt],
  [decoderKey(ContentTypes.attachment), decodeAttachment],
  [decoderKey(ContentTypes.remoteStaticAttachment), decodeRemoteAttachment],
  [decoderKey(ContentTypes.transactionReference), decodeTransactionReference],
  [decoderKey(ContentTypes.walletSendCalls), decodeWalletSendCalls],
  [decoderKey(ContentTypes.groupUpdated), decodeGroupUpdated],
]);

function unknownContent(encoded: EncodedContent): UnknownContent {
  const out: UnknownContent = {
    type: 'unknown',
    contentType: encoded.type === undefined ? '' : contentTypeIdToString(encoded.type),
  };
  if (encoded.fallback !== undefined) out.fallback = encoded.fallback;
  return out;
}

const decoderFor = (encoded: EncodedContent): Decoder | undefined =>
  encoded.type === undefined ? undefined : decoders.get(decoderKey(encoded.type));

function decodeStrict(encoded: EncodedContent, nested: boolean): Content {
  const decoder = decoderFor(encoded);
  if (decoder === undefined) return unknownContent(encoded);
  if (encoded.compression !== undefined) {
    throw new ParleyError('Content.Unsupported', 'Compressed content must be inflated before decoding.');
  }
  return decoder(encoded, nested);
}

/**
 * Strict decoding of uncompressed content: an unknown type becomes `unknown`; a known
 * type whose payload does not decode throws a typed error (`Codec.Malformed`, or
 * `Content.Unsupported` for compression or a nested reply).
 */
export function decodeUncompressedContent(encoded: EncodedContent): Content {
  return decodeStrict(encoded, false);
}

function decodeNestedContent(encoded: EncodedContent): Content {
  try {
    return decodeStrict(encoded, true);
  } catch (e) {
    if (e instanceof ParleyError) return unknownContent(encoded);
    throw e;
  }
}

/**
 * Decodes what a peer sent, as libxmtp does (decoded_message.rs): content a codec cannot
 * read, or cannot inflate, is shown as `unknown` with the sender's fallback, never dropped.
 */
export async function decodeContent(encoded: EncodedContent): Promise<Content> {
  // Nothing to gain from inflating what no codec reads.
  if (decoderFor(encoded) === undefined) return unknownContent(encoded);
  try {
    return decodeStrict(await decompressEncodedContent(encoded), false);
  } catch (e) {
    if (e instanceof ParleyError) return unknownContent(encoded);
    throw e;
  }
}
