import { decodeMlsMessage } from 'ts-mls';
import { ParleyError } from '../errors';
import { decodeTlsExact } from './decodeTlsExact';

export type GroupMessageContentType = 'application' | 'proposal' | 'commit';

export interface GroupMessageFraming {
  groupId: Uint8Array;
  epoch: bigint;
  contentType: GroupMessageContentType;
  wireFormat: 'private' | 'public';
}

/** XMTP's gRPC payload limit (25 MiB); a group message cannot be larger. */
export const MAX_GROUP_MESSAGE_BYTES = 25 * 1024 * 1024;

/**
 * The clear framing of a group message as sent in SendGroupMessages: a TLS MLSMessage
 * (RFC 9420 §6) holding a PrivateMessage (§6.3: group_id, epoch, content_type are in clear) or a
 * PublicMessage (§6.2). Nothing is decrypted or authenticated here; the node uses this to file
 * the message under its group and to tell commits apart (libxmtp mls_validation_service
 * `validate_group_messages`).
 */
export function parseGroupMessageFraming(bytes: Uint8Array): GroupMessageFraming {
  if (bytes.length > MAX_GROUP_MESSAGE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The group message is too large.', {
      details: `${bytes.length} bytes; the limit is ${MAX_GROUP_MESSAGE_BYTES}`,
    });
  }
  const decoded = decodeTlsExact(decodeMlsMessage, bytes);
  if (!decoded.ok) malformed(`not a TLS MLSMessage: ${decoded.reason}`);
  const message = decoded.value;
  switch (message.wireformat) {
    case 'mls_private_message': {
      const { groupId, epoch, contentType } = message.privateMessage;
      return { groupId: groupId.slice(), epoch, contentType, wireFormat: 'private' };
    }
    case 'mls_public_message': {
      const { groupId, epoch, contentType } = message.publicMessage.content;
      return { groupId: groupId.slice(), epoch, contentType, wireFormat: 'public' };
    }
    default:
      return malformed(`wire format ${message.wireformat} is not a group message`);
  }
}

function malformed(details: string): never {
  throw new ParleyError('Codec.Malformed', 'The group message is not a valid MLS message.', { details });
}
