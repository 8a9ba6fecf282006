import { WelcomeMetadata } from '@xmtp/proto/mls/api/v1/mls.pb';
import { ParleyError } from '../errors';

/** WelcomeMetadata is one uint64 (≤ 11 bytes); more than this is not one. */
export const MAX_WELCOME_METADATA_BYTES = 1024;

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * `xmtp.mls.api.v1.WelcomeMetadata{message_cursor}`: the node id of the commit that added the
 * recipient, so the new member processes only group messages after it. libxmtp:
 * xmtp_mls/src/groups/mls_sync.rs `send_welcomes` (0 when unknown).
 */
export function encodeWelcomeMetadata(messageCursor: bigint): Uint8Array {
  if (messageCursor < 0n || messageCursor > UINT64_MAX) {
    throw new ParleyError('Mls.BadInput', 'A message cursor is an unsigned 64-bit integer.', { details: `got ${messageCursor}` });
  }
  // fromPartial parses the decimal string with wrap-around, which keeps all 64 bits for uint64.
  return new Uint8Array(WelcomeMetadata.encode(WelcomeMetadata.fromPartial({ messageCursor: messageCursor.toString() })).finish());
}

export function decodeWelcomeMetadata(bytes: Uint8Array): { messageCursor: bigint } {
  if (bytes.length > MAX_WELCOME_METADATA_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The welcome metadata is too large.', {
      details: `${bytes.length} bytes; the limit is ${MAX_WELCOME_METADATA_BYTES}`,
    });
  }
  let decoded: WelcomeMetadata;
  try {
    decoded = WelcomeMetadata.decode(bytes);
  } catch (cause) {
    throw new ParleyError('Codec.Malformed', 'The welcome metadata is not a WelcomeMetadata protobuf.', { cause });
  }
  return { messageCursor: BigInt.asUintN(64, BigInt(decoded.messageCursor.toString())) };
}
