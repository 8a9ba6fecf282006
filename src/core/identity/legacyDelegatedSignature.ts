import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { UnsignedPublicKey } from '@xmtp/proto/message_contents/public_key.pb';
import { publicKeyToAddress } from 'viem/accounts';
import { ParleyError } from '../errors';
import { recoverErc191Signer } from './erc191Signature';
import type { LegacyDelegatedSignature } from './model';

function bad(details: string, cause?: unknown): ParleyError {
  return new ParleyError('Identity.BadSignature', 'The legacy delegated signature does not verify.', { details, cause });
}

/** The text a wallet signed to create an XMTP V2 identity key (signature.rs `ValidatedLegacySignedPublicKey::text`). */
export function legacyCreateIdentityText(keyBytes: Uint8Array): string {
  return `XMTP : Create Identity\n${bytesToHex(keyBytes)}\n\nFor more info: https://xmtp.org/signatures/`;
}

export interface VerifiedLegacyDelegation {
  /** The wallet that signed the V2 key (lowercase 0x). */
  readonly walletAddress: string;
  /** The wallet's signature, normalized: what libxmtp remembers so the key is used once. */
  readonly walletSignature: Uint8Array;
}

/**
 * XMTP V2 legacy key signing for its wallet, as libxmtp v1.10.0 still accepts it
 * (verified_signature.rs `from_legacy_delegated`): the legacy key's EIP-191 signature of the
 * text, and the wallet's EIP-191 signature of "Create Identity" over that key.
 */
export async function verifyLegacyDelegatedSignature(text: string, sig: LegacyDelegatedSignature): Promise<VerifiedLegacyDelegation> {
  const byLegacyKey = await recoverErc191Signer(text, sig.signature);

  const walletSig = sig.delegatedKey.signature?.walletEcdsaCompact ?? sig.delegatedKey.signature?.ecdsaCompact;
  if (walletSig === undefined) throw bad('delegated key carries no signature');
  // libxmtp appends `recovery as u8`: only the low byte of the uint32 counts.
  const walletBytes = new Uint8Array(walletSig.bytes.length + 1);
  walletBytes.set(walletSig.bytes);
  walletBytes[walletSig.bytes.length] = walletSig.recovery & 0xff;
  if (walletBytes.length !== 65) throw bad('wallet signature is not 65 bytes');
  const byWallet = await recoverErc191Signer(legacyCreateIdentityText(sig.delegatedKey.keyBytes), walletBytes);

  let legacyKey: Uint8Array;
  try {
    const unsigned = UnsignedPublicKey.decode(sig.delegatedKey.keyBytes);
    if (unsigned.secp256k1Uncompressed === undefined) throw new Error('not a secp256k1 key');
    legacyKey = secp256k1.Point.fromBytes(unsigned.secp256k1Uncompressed.bytes).toBytes(false);
  } catch (e) {
    throw bad('delegated key is not a secp256k1 public key', e);
  }
  const legacyAddress = publicKeyToAddress(`0x${bytesToHex(legacyKey)}`).toLowerCase();
  if (legacyAddress !== byLegacyKey.address) throw bad('the legacy key did not sign this text');
  return { walletAddress: byWallet.address, walletSignature: byWallet.normalizedBytes };
}
