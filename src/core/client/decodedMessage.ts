import { decodeContent, decodeEncodedContent, type Content } from '../content';
import type { DeliveryStatus, MessageKind, MessageRecord } from './store';

/** A stored message as an application sees it (@xmtp/node-sdk DecodedMessage, plain data). */
export interface DecodedMessage {
  id: string;
  conversationId: string;
  senderInboxId: string;
  senderInstallationId: string;
  sentAtNs: bigint;
  kind: MessageKind;
  deliveryStatus: DeliveryStatus;
  /** `authority/type:major.minor`; empty when the message could not be read. */
  contentType: string;
  /** Undefined when the message could not be decrypted or decoded: see `error`. */
  content: Content | undefined;
  fallback?: string;
  /** The node's id of the message once it has been seen there. */
  sequenceId?: bigint;
  /** Why the message is unreadable: a ParleyError code and message. */
  error?: { code: string; message: string };
}

/** Decodes a stored record's content; content that no longer decodes becomes an error, not a throw. */
export async function toDecodedMessage(record: MessageRecord): Promise<DecodedMessage> {
  const message = undecodedMessage(record);
  if (record.error !== undefined) return message;
  try {
    const encoded = decodeEncodedContent(record.content);
    message.content = await decodeContent(encoded);
    if (encoded.fallback !== undefined) message.fallback = encoded.fallback;
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'Codec.Malformed';
    message.error = { code, message: 'The stored message content does not decode.' };
  }
  return message;
}

/** A record whose content was just decoded from the same bytes (a received message), without decoding it again. */
export function decodedMessageOf(record: MessageRecord, content: Content, fallback: string | undefined): DecodedMessage {
  const message = undecodedMessage(record);
  message.content = content;
  if (fallback !== undefined) message.fallback = fallback;
  return message;
}

function undecodedMessage(record: MessageRecord): DecodedMessage {
  const message: DecodedMessage = {
    id: record.id,
    conversationId: record.groupId,
    senderInboxId: record.senderInboxId,
    senderInstallationId: record.senderInstallationId,
    sentAtNs: record.sentAtNs,
    kind: record.kind,
    deliveryStatus: record.deliveryStatus,
    contentType: record.contentType,
    content: undefined,
  };
  if (record.sequenceId !== undefined) message.sequenceId = record.sequenceId;
  if (record.error !== undefined) message.error = { ...record.error };
  return message;
}
