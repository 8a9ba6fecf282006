import { sha256 } from '@noble/hashes/sha2.js';
import { ParleyError } from '../errors';
import type { Content, SendableContent } from './content';
import { contentTypeIdToString } from './contentTypeId';
import { decodeEncodedContent, encodeEncodedContent, type EncodedContent } from './encodedContent';
import { decodePlaintextEnvelope, encodePlaintextEnvelope, type PlaintextEnvelopeV2Payload } from './plaintextEnvelope';
import { decodeContent, encodeContent } from './registry';

/** libxmtp writes the sender's nanosecond clock as a decimal i64 (groups/mod.rs into_envelope). */
const IDEMPOTENCY_KEY = /^(?:0|[1-9][0-9]{0,18})$/;
const I64_MAX = (1n << 63n) - 1n;

/** The idempotency key for a message sent at `sentAtNs` (nanoseconds since the Unix epoch). */
export function idempotencyKeyFromNs(sentAtNs: bigint): string {
  if (sentAtNs < 0n || sentAtNs > I64_MAX) {
    throw new ParleyError('Content.Invalid', 'The send time is out of range.', { details: String(sentAtNs) });
  }
  return sentAtNs.toString(10);
}

/**
 * MLS application-message plaintext: PlaintextEnvelope{V1{EncodedContent bytes, idempotency
 * key}}. Group updates are not sendable: every member derives them from the commit.
 */
export function encodeApplicationMessage(content: SendableContent, idempotencyKey: string): Uint8Array {
  if (!IDEMPOTENCY_KEY.test(idempotencyKey) || BigInt(idempotencyKey) > I64_MAX) {
    throw new ParleyError('Content.Invalid', 'The idempotency key must be a nanosecond timestamp.', {
      details: idempotencyKey.slice(0, 40),
    });
  }
  return encodePlaintextEnvelope(encodeEncodedContent(encodeContent(content)), idempotencyKey);
}

export interface DecodedContentMessage {
  kind: 'content';
  idempotencyKey: string;
  /** The EncodedContent bytes exactly as sent: the message id hashes these. */
  contentBytes: Uint8Array;
  encoded: EncodedContent;
  /** `authority/type:major.minor`. */
  contentType: string;
  content: Content;
  fallback?: string;
}

/** A V2 envelope: recognised, then dropped, as libxmtp v1.10.0 does. */
export interface IgnoredApplicationMessage {
  kind: 'ignored';
  idempotencyKey: string;
  payload: PlaintextEnvelopeV2Payload;
}

export type DecodedApplicationMessage = DecodedContentMessage | IgnoredApplicationMessage;

/**
 * Decodes a decrypted application message. Envelope or EncodedContent that does not parse
 * throws (`Codec.*`); content a codec cannot read decodes as `unknown`.
 */
export async function decodeApplicationMessage(bytes: Uint8Array): Promise<DecodedApplicationMessage> {
  const envelope = decodePlaintextEnvelope(bytes);
  if (envelope.version === 2) {
    return { kind: 'ignored', idempotencyKey: envelope.idempotencyKey, payload: envelope.payload };
  }
  const encoded = decodeEncodedContent(envelope.content);
  const message: DecodedContentMessage = {
    kind: 'content',
    idempotencyKey: envelope.idempotencyKey,
    contentBytes: envelope.content,
    encoded,
    contentType: encoded.type === undefined ? '' : contentTypeIdToString(encoded.type),
    content: await decodeContent(encoded),
  };
  if (encoded.fallback !== undefined) message.fallback = encoded.fallback;
  return message;
}

/**
 * The message id both sides compute: sha256(group_id ‖ "\t" ‖ idempotency_key ‖ "\t" ‖
 * EncodedContent bytes) (libxmtp xmtp_mls/src/utils/mod.rs calculate_message_id).
 */
export function applicationMessageId(groupId: Uint8Array, contentBytes: Uint8Array, idempotencyKey: string): Uint8Array {
  const tab = Uint8Array.of(0x09);
  return sha256
    .create()
    .update(groupId)
    .update(tab)
    .update(new TextEncoder().encode(idempotencyKey))
    .update(tab)
    .update(contentBytes)
    .digest();
}
