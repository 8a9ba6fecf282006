import { ed25519 } from '@noble/curves/ed25519.js';
import { PlaintextCommitLogEntry } from '@xmtp/proto/mls/message_contents/commit_log.pb';
import type { RecoverableEd25519Signature } from '@xmtp/proto/identity/associations/signature.pb';
import { ParleyError } from '../../core/errors';

/**
 * A PlaintextCommitLogEntry holds a group id, two sequence numbers, two epoch authenticators
 * (32 bytes each for suite 0x0003) and a result: about 130 bytes. This leaves room for longer
 * group ids and authenticators without letting the log hold payloads.
 */
export const MAX_COMMIT_LOG_ENTRY_BYTES = 1024;
/** MLS group ids libxmtp makes are 16 or 32 bytes; anything near this is not a group id. */
const MAX_GROUP_ID_BYTES = 256;

function invalid(message: string, details: string): never {
  throw new ParleyError('Api.InvalidArgument', message, { details });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Checks one entry of BatchPublishCommitLog the way libxmtp checks it when it reads the log back
 * (xmtp_mls groups/commit_log_key.rs verify_commit_log_signature: a plain Ed25519 signature over
 * the serialized PlaintextCommitLogEntry, by the key the signature names), plus what the node can
 * see without the group's state: the entry decodes, names the group it is published under, and
 * is small; answers the checked signature. The node cannot tell whether the signing key is the group's consensus key (clients
 * take the first validly signed entry's key), so an entry signed by any key still passes.
 */
export function checkCommitLogEntry(
  groupId: Uint8Array,
  serializedEntry: Uint8Array,
  signature: RecoverableEd25519Signature | undefined,
  where: string,
): RecoverableEd25519Signature {
  if (groupId.length === 0) invalid('A commit log entry has no group id.', where);
  if (groupId.length > MAX_GROUP_ID_BYTES) invalid('A commit log entry names an oversized group id.', `${where}: ${groupId.length} bytes`);
  if (serializedEntry.length === 0) invalid('A commit log entry is empty.', where);
  if (serializedEntry.length > MAX_COMMIT_LOG_ENTRY_BYTES) {
    invalid('A commit log entry is too large.', `${where}: ${serializedEntry.length} bytes, at most ${MAX_COMMIT_LOG_ENTRY_BYTES}`);
  }
  if (!signature) invalid('A commit log entry is not signed.', where);
  if (signature.publicKey.length !== 32 || signature.bytes.length !== 64) {
    invalid('A commit log entry signature is not an Ed25519 signature.', `${where}: key ${signature.publicKey.length} bytes, signature ${signature.bytes.length} bytes`);
  }
  let entry: PlaintextCommitLogEntry;
  try {
    entry = PlaintextCommitLogEntry.decode(serializedEntry);
  } catch (e) {
    return invalid('A commit log entry is not a PlaintextCommitLogEntry.', `${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!bytesEqual(entry.groupId, groupId)) invalid('A commit log entry names another group than the one it is published under.', where);
  let verified = false;
  try {
    verified = ed25519.verify(signature.bytes, serializedEntry, signature.publicKey);
  } catch {
    // A key that is not a curve point: as unverified.
  }
  if (!verified) invalid('A commit log entry signature does not verify.', where);
  return signature;
}
