import { MlsCredential } from '@xmtp/proto/identity/credential.pb';
import type { Credential, CredentialBasic } from 'ts-mls';
import { ParleyError } from '../errors';
import { bytesEqual } from './bytesEqual';

/** An XMTP inbox id: lowercase hex of a SHA-256 digest (libxmtp xmtp_id `generate_inbox_id`). */
const INBOX_ID = /^[0-9a-f]{64}$/;

/** An MlsCredential{inbox_id} is 66 bytes; anything much longer is not one. */
const MAX_IDENTITY_BYTES = 256;

export function isInboxId(value: string): boolean {
  return INBOX_ID.test(value);
}

/**
 * The leaf credential XMTP uses: a Basic credential (RFC 9420 §5.3) whose identity is the protobuf
 * `xmtp.identity.MlsCredential{1: inbox_id}`. libxmtp: xmtp_mls/src/identity.rs `create_credential`.
 */
export function xmtpCredential(inboxId: string): CredentialBasic {
  if (!isInboxId(inboxId)) {
    throw new ParleyError('Mls.BadInput', 'An inbox id is 64 lowercase hex characters.', {
      details: `got ${JSON.stringify(inboxId.slice(0, 80))}`,
    });
  }
  // protobufjs hands back a Node Buffer where it can; callers compare and store plain bytes.
  return { credentialType: 'basic', identity: new Uint8Array(MlsCredential.encode({ inboxId }).finish()) };
}

/**
 * The inbox id a leaf credential names. Only the exact bytes libxmtp writes are accepted (a
 * canonical protobuf with just field 1), so one inbox has one credential encoding.
 */
export function inboxIdFromCredential(credential: Credential): string {
  if (credential.credentialType !== 'basic') {
    throw new ParleyError('Mls.InvalidCredential', 'XMTP leaves carry a Basic credential.', {
      details: `credential type is ${credential.credentialType}`,
    });
  }
  const identity = credential.identity;
  if (identity.length > MAX_IDENTITY_BYTES) {
    throw new ParleyError('Mls.InvalidCredential', 'The credential identity is not an XMTP MlsCredential.', {
      details: `identity is ${identity.length} bytes`,
    });
  }
  let inboxId: string;
  try {
    inboxId = MlsCredential.decode(identity).inboxId;
  } catch (cause) {
    throw new ParleyError('Mls.InvalidCredential', 'The credential identity is not an XMTP MlsCredential.', {
      details: 'identity is not a protobuf MlsCredential',
      cause,
    });
  }
  if (!isInboxId(inboxId)) {
    throw new ParleyError('Mls.InvalidCredential', 'The credential identity is not an XMTP MlsCredential.', {
      details: 'MlsCredential.inbox_id is not 64 lowercase hex characters',
    });
  }
  const canonical = MlsCredential.encode({ inboxId }).finish();
  if (!bytesEqual(canonical, identity)) {
    throw new ParleyError('Mls.InvalidCredential', 'The credential identity is not an XMTP MlsCredential.', {
      details: 'MlsCredential carries fields or encoding libxmtp does not write',
    });
  }
  return inboxId;
}
