import type { MemberIdentifier, UnverifiedSignature } from './model';
import { formatAccountId } from './accountId';

interface SignerBase {
  /** Sign the identity update's signature text (UTF-8) as this signer's kind signs. */
  signMessage(text: string): Promise<Uint8Array>;
}

/** An externally owned account: EIP-191 personal_sign. */
export interface WalletSigner extends SignerBase {
  readonly identifierKind: 'ethereum';
  /** Lowercase 0x address. */
  readonly identifier: string;
  readonly signatureKind: 'erc191';
}

/** A smart-contract wallet: ERC-1271 (or ERC-6492 for an undeployed one) on `chainId`. */
export interface SmartWalletSigner extends SignerBase {
  readonly identifierKind: 'ethereum';
  readonly identifier: string;
  readonly signatureKind: 'erc1271';
  readonly chainId: bigint;
  /** The block the signature is to be checked at (the wire carries one). */
  getBlockNumber(): Promise<bigint>;
}

/** An installation key: Ed25519ph with the identity-update context. */
export interface InstallationSigner extends SignerBase {
  readonly identifierKind: 'installation';
  /** Lowercase hex of the public key. */
  readonly identifier: string;
  readonly publicKey: Uint8Array;
  readonly signatureKind: 'installationKey';
}

export type Signer = WalletSigner | SmartWalletSigner | InstallationSigner;

/** The member a signer speaks for. */
export function signerMember(signer: Signer): MemberIdentifier {
  return signer.identifierKind === 'installation'
    ? { kind: 'installation', publicKey: signer.publicKey }
    : { kind: 'ethereum', address: signer.identifier };
}

/** Ask the signer to sign and wrap the bytes as the wire's signature variant for its kind. */
export async function signWith(signer: Signer, text: string): Promise<UnverifiedSignature> {
  const bytes = await signer.signMessage(text);
  switch (signer.signatureKind) {
    case 'erc191':
      return { kind: 'erc191', bytes };
    case 'installationKey':
      return { kind: 'installationKey', bytes, publicKey: signer.publicKey };
    case 'erc1271':
      return {
        kind: 'erc6492',
        accountId: formatAccountId(signer.chainId, signer.identifier),
        blockNumber: await signer.getBlockNumber(),
        signature: bytes,
      };
  }
}
