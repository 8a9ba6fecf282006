import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import { ParleyError } from '../errors';
import type { PasskeySignature } from './model';

export interface VerifiedPasskey {
  readonly relyingParty: string;
  /** The signature as r ‖ s (64 bytes), what libxmtp remembers against replays. */
  readonly compactSignature: Uint8Array;
}

function bad(details: string, cause?: unknown): ParleyError {
  return new ParleyError('Identity.BadSignature', 'The passkey signature does not verify.', { details, cause });
}

function clientData(json: Uint8Array): { origin: string; challenge: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw bad('client data is not JSON', e);
  }
  if (typeof parsed !== 'object' || parsed === null) throw bad('client data is not an object');
  const { origin, challenge } = parsed as Record<string, unknown>;
  if (typeof origin !== 'string' || typeof challenge !== 'string') throw bad('client data lacks origin or challenge');
  return { origin, challenge };
}

/**
 * A WebAuthn assertion over the signature text, checked as libxmtp v1.10.0 does
 * (verified_signature.rs `from_passkey`): the challenge is base64url (no padding) of the text,
 * the DER P-256 signature covers authenticatorData ‖ sha256(clientDataJSON); the relying party
 * is the client data's origin. High-s signatures pass, as with the p256 crate.
 */
export function verifyPasskeySignature(text: string, sig: PasskeySignature): VerifiedPasskey {
  const { origin, challenge } = clientData(sig.clientDataJson);
  if (challenge !== base64urlnopad.encode(utf8ToBytes(text))) throw bad('challenge is not the signature text');
  let compactSignature: Uint8Array;
  let ok: boolean;
  try {
    compactSignature = p256.Signature.fromBytes(sig.signature, 'der').toBytes('compact');
    const signed = concatBytes(sig.authenticatorData, sha256(sig.clientDataJson));
    ok = p256.verify(compactSignature, signed, sig.publicKey, { prehash: true, lowS: false });
  } catch (e) {
    throw bad('malformed key or signature', e);
  }
  if (!ok) throw bad('signature does not match');
  return { relyingParty: origin, compactSignature };
}
