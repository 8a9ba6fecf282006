/** XMTP message content: the application payload envelope, EncodedContent and its codecs. */
export type * from './content';
export { ContentTypes, XMTP_AUTHORITY, contentTypeIdToString, sameContentType, type ContentTypeId } from './contentTypeId';
export { Compression, EncodedContent, decodeEncodedContent, encodeEncodedContent } from './encodedContent';
export { decompressEncodedContent, inflate } from './decompress';
export {
  decodePlaintextEnvelope,
  encodePlaintextEnvelope,
  type DecodedPlaintextEnvelope,
  type PlaintextEnvelopeV1,
  type PlaintextEnvelopeV2,
  type PlaintextEnvelopeV2Payload,
} from './plaintextEnvelope';
export { contentTypeOf, decodeContent, decodeUncompressedContent, encodeContent } from './registry';
export {
  applicationMessageId,
  decodeApplicationMessage,
  encodeApplicationMessage,
  idempotencyKeyFromNs,
  type DecodedApplicationMessage,
  type DecodedContentMessage,
  type IgnoredApplicationMessage,
} from './applicationMessage';
export { parseContent } from './parseContent';
export * from './limits';
export { groupUpdatedFromProto } from './codecs/groupUpdated';
export { stripFormatControls } from './formatControls';
