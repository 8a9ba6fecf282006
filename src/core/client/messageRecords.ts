import { ContentTypes, applicationMessageId, contentTypeIdToString, encodeContent, encodeEncodedContent, type GroupUpdatedContent } from '../content';
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
