import type { ClientState } from 'ts-mls';

/**
 * Padding of MLS private messages (RFC 9420 §6.3.1: zero bytes after the content, inside the
 * AEAD), so that the nodes and the network see a size bucket rather than the exact length of
 * what was sent. XMTP pads nothing (libxmtp's openmls config keeps openmls's padding size 0),
 * but openmls strips and checks padding on receipt, so padded messages stay readable by
 * libxmtp.
 *
 * Buckets are Padmé's (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019): a length L keeps its top ⌊log2 ⌊log2 L⌋⌋ + 1 bits and
 * rounds the rest up, which costs at most 12 % (less for longer messages) and leaves
 * O(log log L) bits of the length visible. Below MIN_PADDED_BYTES every message looks the same,
 * which covers texts, reactions, receipts and replies alike.
 */

export type PaddingPolicy = 'padme' | 'none';

/** Every private message's content is at least this long: short texts, reactions and read receipts look alike. */
export const MIN_PADDED_BYTES = 256;

/** The Padmé length of `length` bytes: the bucket it is padded up to. */
export function padmeLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`not a length: ${length}`);
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  // Math, not bitwise: lengths can pass 2^31.
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

/** The padded length of a private message's content under the policy. */
export function paddedContentLength(contentLength: number, policy: PaddingPolicy): number {
  if (policy === 'none') return contentLength;
  return Math.max(MIN_PADDED_BYTES, padmeLength(contentLength));
}

/** Bytes an MLS variable-length vector's length prefix takes (RFC 9420 §2.1.2). */
function varintLength(n: number): number {
  if (n < 0x40) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x40000000) return 4;
  throw new RangeError(`vector too long for MLS: ${n}`);
}

/** XMTP's ciphersuite signs with Ed25519: 64-byte signatures. */
const ED25519_SIGNATURE_BYTES = 64;

/**
 * The encoded length of an application message's PrivateMessageContent before padding
 * (RFC 9420 §6.3.1): application_data<V>, then FramedContentAuthData's signature<V> (no
 * confirmation tag for application messages).
 */
export function applicationContentLength(applicationDataLength: number): number {
  return varintLength(applicationDataLength) + applicationDataLength + varintLength(ED25519_SIGNATURE_BYTES) + ED25519_SIGNATURE_BYTES;
}

/**
 * The state to encrypt an application message of `applicationDataLength` bytes with, its
 * padding set so that the content fills its bucket exactly (ts-mls pads by a fixed count per
 * message; the bucket depends on the message). Give the new state back its own config after.
 */
export function withApplicationPadding(state: ClientState, applicationDataLength: number, policy: PaddingPolicy): ClientState {
  const length = applicationContentLength(applicationDataLength);
  const paddingLength = paddedContentLength(length, policy) - length;
  return { ...state, clientConfig: { ...state.clientConfig, paddingConfig: { kind: 'alwaysPad', paddingLength } } };
}
