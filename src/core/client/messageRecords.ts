import { ContentTypes, applicationMessageId, contentTypeIdToString, encodeContent, encodeEncodedContent, type GroupUpdatedContent } from '../content';
import { isParleyError } from '../errors';
import { fromHex, toHex } from './bytes';
import type { MessageRecord } from './store';

/**
 * The local group_updated message a commit leaves (libxmtp mls_sync.rs save_transcript_message):
 * id = calculate_message_id(group, EncodedContent bytes, idempotency key), where the key is the
 * envelope's timestamp for a commit and `<created_ns>_welcome_added` for the welcome that added us.
 */
export function groupUpdatedRecord(input: {
  groupId: string;
  /** The content, or its EncodedContent bytes as derived earlier. */
  content: GroupUpdatedContent | Uint8Array;
  idempotencyKey: string;
  senderInboxId: string;
  senderInstallationId: string;
  sentAtNs: bigint;
  sequenceId: bigint;
}): MessageRecord {
  const bytes = input.content instanceof Uint8Array ? input.content : encodeGroupUpdated(input.content);
  return {
    id: toHex(applicationMessageId(fromHex(input.groupId), bytes, input.idempotencyKey)),
    groupId: input.groupId,
    kind: 'membershipChange',
    senderInboxId: input.senderInboxId,
    senderInstallationId: input.senderInstallationId,
    sentAtNs: input.sentAtNs,
    content: bytes,
    contentType: contentTypeIdToString(ContentTypes.groupUpdated),
    deliveryStatus: 'published',
    sequenceId: input.sequenceId,
  };
}

export function encodeGroupUpdated(content: GroupUpdatedContent): Uint8Array {
  return encodeEncodedContent(encodeContent(content));
}

/**
 * A message that arrived but cannot be read, kept so the user can see it (never dropped): its id
 * is the hex SHA-256 of the wire bytes, as there is no decrypted content to derive one from.
 */
export function unreadableRecord(input: {
  groupId: string;
  wireId: string;
  kind: MessageRecord['kind'];
  sentAtNs: bigint;
  sequenceId: bigint;
  error: unknown;
  senderInboxId?: string;
  senderInstallationId?: string;
}): MessageRecord {
  const error = isParleyError(input.error)
    ? { code: input.error.code, message: input.error.shortMessage }
    : { code: 'Mls.DecryptFailed', message: input.error instanceof Error ? input.error.message : String(input.error) };
  return {
    id: input.wireId,
    groupId: input.groupId,
    kind: input.kind,
    senderInboxId: input.senderInboxId ?? '',
    senderInstallationId: input.senderInstallationId ?? '',
    sentAtNs: input.sentAtNs,
    content: new Uint8Array(),
    contentType: '',
    deliveryStatus: 'published',
    sequenceId: input.sequenceId,
    error,
  };
}
