import { PlaintextEnvelope } from '@xmtp/proto/mls/message_contents/content.pb';
import { ParleyError } from '../errors';
import { ownBytes } from './bytes';
import { MAX_WIRE_CONTENT_BYTES } from './limits';

/** PlaintextEnvelope.V1: what every current XMTP client sends inside an MLS application message. */
export interface PlaintextEnvelopeV1 {
  version: 1;
  /** A serialised EncodedContent. */
  content: Uint8Array;
  idempotencyKey: string;
}

/** What a V2 envelope carried; receivers recognise it and drop it. */
export type PlaintextEnvelopeV2Payload =
  | 'content'
  | 'deviceSyncRequest'
  | 'deviceSyncReply'
  | 'userPreferenceUpdate'
  | 'none';

/**
 * PlaintextEnvelope.V2 served device sync v1, which libxmtp removed; v1.10.0 accepts and
 * ignores it (groups/mls_sync.rs: `Content::V2(..) => Ok(())`).
 */
export interface PlaintextEnvelopeV2 {
  version: 2;
  idempotencyKey: string;
  payload: PlaintextEnvelopeV2Payload;
}

export type DecodedPlaintextEnvelope = PlaintextEnvelopeV1 | PlaintextEnvelopeV2;

/** Serialises a V1 envelope (libxmtp groups/mod.rs into_envelope). */
export function encodePlaintextEnvelope(content: Uint8Array, idempotencyKey: string): Uint8Array {
  return ownBytes(PlaintextEnvelope.encode({ v1: { content, idempotencyKey } }).finish());
}

function v2Payload(v2: NonNullable<PlaintextEnvelope['v2']>): PlaintextEnvelopeV2Payload {
  if (v2.content !== undefined) return 'content';
  if (v2.deviceSyncRequest !== undefined) return 'deviceSyncRequest';
  if (v2.deviceSyncReply !== undefined) return 'deviceSyncReply';
  if (v2.userPreferenceUpdate !== undefined) return 'userPreferenceUpdate';
  return 'none';
}

/** An envelope with neither version is libxmtp's InvalidPayload: `Codec.Malformed`. */
export function decodePlaintextEnvelope(bytes: Uint8Array): DecodedPlaintextEnvelope {
  if (bytes.length > MAX_WIRE_CONTENT_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'Application message is too large.', {
      details: `${bytes.length} bytes, at most ${MAX_WIRE_CONTENT_BYTES}`,
    });
  }
  let envelope: PlaintextEnvelope;
  try {
    envelope = PlaintextEnvelope.decode(bytes);
  } catch (cause) {
    throw new ParleyError('Codec.Malformed', 'Application message is not a PlaintextEnvelope.', { cause });
  }
  if (envelope.v1 !== undefined) {
    return { version: 1, content: ownBytes(envelope.v1.content), idempotencyKey: envelope.v1.idempotencyKey };
  }
  if (envelope.v2 !== undefined) {
    return { version: 2, idempotencyKey: envelope.v2.idempotencyKey, payload: v2Payload(envelope.v2) };
  }
  throw new ParleyError('Codec.Malformed', 'Application message envelope is empty.');
}
