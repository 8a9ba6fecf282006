import {
  Compression,
  EncodedContent,
} from '@xmtp/proto/mls/message_contents/content.pb';
import { ParleyError } from '../errors';
import { ownBytes } from './bytes';
import { MAX_WIRE_CONTENT_BYTES } from './limits';

export { Compression, EncodedContent };

/** Serialises an EncodedContent (xmtp.mls.message_contents.EncodedContent, content.proto). */
export function encodeEncodedContent(encoded: EncodedContent): Uint8Array {
  return ownBytes(EncodedContent.encode(encoded).finish());
}

/** Parses an EncodedContent; any failure is `Codec.Malformed`, oversize input `Codec.TooLarge`. */
export function decodeEncodedContent(bytes: Uint8Array): EncodedContent {
  if (bytes.length > MAX_WIRE_CONTENT_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'Encoded content is too large.', {
      details: `${bytes.length} bytes, at most ${MAX_WIRE_CONTENT_BYTES}`,
    });
  }
  let decoded: EncodedContent;
  try {
    decoded = EncodedContent.decode(bytes);
  } catch (cause) {
    throw new ParleyError('Codec.Malformed', 'Encoded content is not a valid EncodedContent.', { cause });
  }
  if (decoded.type === undefined) {
    // libxmtp decoded_message.rs: a missing type is CodecError::InvalidContentType.
    throw new ParleyError('Codec.Malformed', 'Encoded content has no content type.');
  }
  // A plain object for parameters: a "__proto__" key must stay a key, not a prototype.
  const parameters: Record<string, string> = Object.fromEntries(Object.entries(decoded.parameters));
  const result: EncodedContent = {
    type: { ...decoded.type },
    parameters,
    content: ownBytes(decoded.content),
  };
  if (decoded.fallback !== undefined) result.fallback = decoded.fallback;
  if (decoded.compression !== undefined) result.compression = decoded.compression;
  return result;
}

/** Reads a parameter the map itself holds, never one inherited from Object.prototype. */
export function parameter(encoded: EncodedContent, key: string): string | undefined {
  return Object.hasOwn(encoded.parameters, key) ? encoded.parameters[key] : undefined;
}
