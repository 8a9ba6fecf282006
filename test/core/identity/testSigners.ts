/** Signatures Parley has no Signer for (passkeys, V2 legacy keys, smart wallets), made the way their owners make them. */
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import { UnsignedPublicKey } from '@xmtp/proto/message_contents/public_key.pb';
import { hashMessage, hexToBytes, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  legacyCreateIdentityText,
  type LegacyDelegatedSignature,
  type PasskeyIdentifier,
  type PasskeySignature,
  type SmartWalletSigner,
  type SmartWalletVerificationRequest,
  type SmartWalletVerifier,
} from '../../../src/core/identity';

export const PASSKEY_ORIGIN = 'https://app.example';

export function passkeyKey(n: number): { secretKey: Uint8Array; identifier: PasskeyIdentifier } {
  const secretKey = new Uint8Array(32).fill(n);
  return { secretKey, identifier: { kind: 'passkey', key: p256.getPublicKey(secretKey) } };
}

/** A WebAuthn assertion whose challenge is the text. */
export function passkeySignature(text: string, n: number, origin = PASSKEY_ORIGIN): PasskeySignature {
  const { secretKey, identifier } = passkeyKey(n);
  const clientDataJson = utf8ToBytes(
    JSON.stringify({ type: 'webauthn.get', challenge: base64urlnopad.encode(utf8ToBytes(text)), origin, crossOrigin: false }),
  );
  const authenticatorData = new Uint8Array(37).fill(5);
  const signature = p256.sign(concatBytes(authenticatorData, sha256(clientDataJson)), secretKey, { format: 'der' });
  return { kind: 'passkey', publicKey: identifier.key, signature, authenticatorData, clientDataJson };
}

/** An XMTP V2 identity key the wallet signed ("Create Identity"), signing `text` for that wallet. */
export async function legacyDelegatedSignature(text: string, walletKey: Hex, legacySeed: number): Promise<LegacyDelegatedSignature> {
  const legacySecret = new Uint8Array(32).fill(legacySeed);
  const keyBytes = UnsignedPublicKey.encode(
    UnsignedPublicKey.fromPartial({ createdNs: 1_600_000_000_000_000_000, secp256k1Uncompressed: { bytes: secp256k1.getPublicKey(legacySecret, false) } }),
  ).finish();
  const walletSig = hexToBytes(await privateKeyToAccount(walletKey).signMessage({ message: legacyCreateIdentityText(keyBytes) }));
  const signature = hexToBytes(await privateKeyToAccount(`0x${bytesToHex(legacySecret)}`).signMessage({ message: text }));
  return {
    kind: 'delegatedErc191',
    signature,
    // V2 keys stored the recovery id as 0/1
    delegatedKey: { keyBytes, signature: { walletEcdsaCompact: { bytes: walletSig.slice(0, 64), recovery: (walletSig[64] as number) - 27 } } },
  };
}

/**
 * A pretend smart-contract wallet and the chain that judges it: its "signature" is a tag over
 * the EIP-191 hash, and the verifier accepts exactly that tag.
 */
export function fakeSmartWallet(address: string, chainId: bigint): { signer: SmartWalletSigner; verifier: SmartWalletVerifier; calls: SmartWalletVerificationRequest[] } {
  const calls: SmartWalletVerificationRequest[] = [];
  const tag = (hash: Uint8Array) => utf8ToBytes(`scw ${address} ${bytesToHex(hash)}`);
  return {
    calls,
    signer: {
      identifierKind: 'ethereum',
      identifier: address,
      signatureKind: 'erc1271',
      chainId,
      getBlockNumber: () => Promise.resolve(19_000_000n),
      signMessage: (text) => Promise.resolve(tag(hexToBytes(hashMessage(text)))),
    },
    verifier: {
      verify(request) {
        calls.push(request);
        return Promise.resolve(bytesToHex(request.signature) === bytesToHex(tag(request.hash)));
      },
    },
  };
}
