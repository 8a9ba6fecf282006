import { MAX_GROUP_MESSAGE_BYTES, parseGroupMessageFraming, type GroupMessageFraming } from '../../core/mls/framing';

/**
 * The clear framing of a group message, read in place for the common case and by
 * src/core's full parser otherwise.
 *
 * XMTP sends every group message, commits included, as a PrivateMessage (DESIGN §3), whose
 * clear part is a flat header: RFC 9420 §6 MLSMessage {uint16 version = mls10 (1),
 * uint16 wire_format = mls_private_message (2)} then §6.3.2 PrivateMessage {opaque
 * group_id<V>; uint64 epoch; ContentType content_type (1..3); opaque authenticated_data<V>;
 * opaque encrypted_sender_data<V>; opaque ciphertext<V>}. Walking those six fields with no
 * allocation but the group id costs a fraction of the general TLS decoder, which the node
 * otherwise ran on every message it stores. The walk accepts exactly what
 * parseGroupMessageFraming accepts for that shape (the whole buffer, each <V> length in
 * §2.1.2's 1-, 2- or 4-byte form); anything else — a PublicMessage, another wire format, any
 * malformed byte — goes to parseGroupMessageFraming, so errors and every other shape are
 * decided in one place. test/node/service/privateMessageHeader.test.ts checks the two agree.
 */
export function groupMessageFraming(bytes: Uint8Array): GroupMessageFraming {
  return privateMessageFraming(bytes) ?? parseGroupMessageFraming(bytes);
}

const MLS10 = 1;
const MLS_PRIVATE_MESSAGE = 2;
const CONTENT_TYPES = [undefined, 'application', 'proposal', 'commit'] as const;

/** The framing of a well-formed private message; undefined for anything else. */
export function privateMessageFraming(bytes: Uint8Array): GroupMessageFraming | undefined {
  const end = bytes.length;
  if (end < 4 || end > MAX_GROUP_MESSAGE_BYTES || ((bytes[0]! << 8) | bytes[1]!) !== MLS10 || ((bytes[2]! << 8) | bytes[3]!) !== MLS_PRIVATE_MESSAGE) {
    return undefined;
  }
  const groupIdEnd = varLenEnd(bytes, 4);
  if (groupIdEnd < 0 || groupIdEnd + 9 > end) return undefined;
  const groupIdStart = 4 + prefixSize(bytes[4]!);
  const view = new DataView(bytes.buffer, bytes.byteOffset, end);
  const epoch = view.getBigUint64(groupIdEnd);
  const contentType = CONTENT_TYPES[bytes[groupIdEnd + 8]!];
  if (contentType === undefined) return undefined;
  let at = groupIdEnd + 9;
  // authenticated_data, encrypted_sender_data, ciphertext: present and ending the buffer.
  for (let field = 0; field < 3 && at >= 0; field++) at = varLenEnd(bytes, at);
  if (at !== end) return undefined;
  return { groupId: bytes.slice(groupIdStart, groupIdEnd), epoch, contentType, wireFormat: 'private' };
}

/** Size of an RFC 9420 §2.1.2 length prefix from its first byte (the 8-byte form is refused). */
function prefixSize(first: number): number {
  return 1 << (first >> 6);
}

/**
 * Where the <V> field at `at` ends, or -1 if its prefix or data runs past the buffer or uses
 * the 8-byte form (reserved for data longer than any message here; ts-mls refuses it too).
 */
function varLenEnd(bytes: Uint8Array, at: number): number {
  if (at >= bytes.length) return -1;
  const first = bytes[at]!;
  const size = prefixSize(first);
  if (size === 8 || at + size > bytes.length) return -1;
  let length = first & 0x3f;
  for (let i = 1; i < size; i++) length = length * 256 + bytes[at + i]!;
  const next = at + size + length;
  return next <= bytes.length ? next : -1;
}
