/**
 * The reporting node's signature over a misbehaviour report. xmtpd defines no domain label for
 * reports (pkg/constants/constants.go has jwt|, payer|, target|, originator|), so Parley adds its
 * own, "misbehavior|", in the same shape as the originator signature: secp256k1 over
 * keccak256(label ‖ unsigned_misbehavior_report), 65 bytes r‖s‖v with v ∈ {0,1} (go-ethereum
 * crypto.Sign, as xmtpd's RecoverableEcdsaSignature).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ParleyError } from '../../core/errors';

const LABEL = new TextEncoder().encode('misbehavior|');

export function misbehaviorReportDigest(unsignedReportBytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(LABEL.length + unsignedReportBytes.length);
  buf.set(LABEL, 0);
  buf.set(unsignedReportBytes, LABEL.length);
  return keccak_256(buf);
}

export function signMisbehaviorReport(unsignedReportBytes: Uint8Array, nodePrivateKey: Uint8Array): Uint8Array {
  // noble's 'recovered' format is v ‖ r ‖ s; the wire wants r ‖ s ‖ v
  const rec = secp256k1.sign(misbehaviorReportDigest(unsignedReportBytes), nodePrivateKey, {
    prehash: false,
    format: 'recovered',
  });
  const out = new Uint8Array(65);
  out.set(rec.subarray(1, 65), 0);
  out[64] = rec[0]!;
  return out;
}

/** The compressed public key that signed the report; throws Misbehavior.BadSignature when none does. */
export function recoverMisbehaviorReporter(unsignedReportBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65 || (signature[64] !== 0 && signature[64] !== 1)) {
    throw new ParleyError('Misbehavior.BadSignature', 'The report signature is not 65 bytes r‖s‖v with v 0 or 1.', {
      details: `length ${signature.length}, v ${signature[64]}`,
    });
  }
  const rec = new Uint8Array(65);
  rec[0] = signature[64]!;
  rec.set(signature.subarray(0, 64), 1);
  try {
    return secp256k1.recoverPublicKey(rec, misbehaviorReportDigest(unsignedReportBytes), { prehash: false });
  } catch (e) {
    throw new ParleyError('Misbehavior.BadSignature', 'No public key recovers from the report signature.', {
      cause: e,
    });
  }
}
