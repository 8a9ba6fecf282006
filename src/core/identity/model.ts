/**
 * The typed model of an XMTP identity update (XIP-46), as libxmtp v1.10.0 holds it before
 * verification (xmtp_id `associations/unverified.rs`, `member.rs`). Wire form: the protos of
 * `xmtp.identity.associations` (association.proto, signature.proto); see codec.ts.
 */
import type { SignedPublicKey } from '@xmtp/proto/message_contents/public_key.pb';
import { bytesToHex } from '@noble/hashes/utils.js';

/** A wallet address as it travels: libxmtp keeps the string exactly as sent (no lowercasing). */
export interface EthereumIdentifier {
  readonly kind: 'ethereum';
  readonly address: string;
}

/** A WebAuthn P-256 key; `relyingParty` is carried along but never compared (ident/passkey.rs). */
export interface PasskeyIdentifier {
  readonly kind: 'passkey';
  readonly key: Uint8Array;
  readonly relyingParty?: string;
}

/** An installation: its Ed25519 public key is its id. */
export interface InstallationIdentifier {
  readonly kind: 'installation';
  readonly publicKey: Uint8Array;
}

/** Anything that can be a member of an inbox. */
export type MemberIdentifier = EthereumIdentifier | PasskeyIdentifier | InstallationIdentifier;
/** A member that can own or recover an inbox (libxmtp `Identifier`: not an installation). */
export type Identifier = EthereumIdentifier | PasskeyIdentifier;
export type MemberKind = MemberIdentifier['kind'];

export function ethereumIdentifier(address: string): EthereumIdentifier {
  return { kind: 'ethereum', address };
}

export function installationIdentifier(publicKey: Uint8Array): InstallationIdentifier {
  return { kind: 'installation', publicKey };
}

/**
 * The identifier as libxmtp prints it (Display): the address string, or lowercase hex of the
 * key. It is what the signature text shows and what inbox ids hash.
 */
export function identifierText(id: MemberIdentifier): string {
  switch (id.kind) {
    case 'ethereum':
      return id.address;
    case 'passkey':
      return bytesToHex(id.key);
    case 'installation':
      return bytesToHex(id.publicKey);
  }
}

/** A map key with libxmtp's equality: kind plus address or key bytes (never the relying party). */
export function memberKey(id: MemberIdentifier): string {
  return `${id.kind}:${identifierText(id)}`;
}

export function sameMember(a: MemberIdentifier, b: MemberIdentifier): boolean {
  return memberKey(a) === memberKey(b);
}

// --- signatures (signature.proto) ---

/** EIP-191 personal_sign by an externally owned account: 65 bytes r ‖ s ‖ v. */
export interface Erc191Signature {
  readonly kind: 'erc191';
  readonly bytes: Uint8Array;
}

/** ERC-1271 / ERC-6492 smart-contract-wallet signature, checked on chain at `blockNumber`. */
export interface SmartWalletSignature {
  readonly kind: 'erc6492';
  /** CAIP-10, e.g. `eip155:1:0xabc…`. */
  readonly accountId: string;
  readonly blockNumber: bigint;
  readonly signature: Uint8Array;
}

/** Ed25519ph by an installation key, context `IDENTITY UPDATE SIGNATURE`. */
export interface InstallationKeySignature {
  readonly kind: 'installationKey';
  readonly bytes: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** XMTP V2 legacy key signing for the wallet that had signed that key ("Create Identity"). */
export interface LegacyDelegatedSignature {
  readonly kind: 'delegatedErc191';
  readonly signature: Uint8Array;
  readonly delegatedKey: SignedPublicKey;
}

/** WebAuthn assertion whose challenge is the signature text. */
export interface PasskeySignature {
  readonly kind: 'passkey';
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly clientDataJson: Uint8Array;
}

export type UnverifiedSignature =
  | Erc191Signature
  | SmartWalletSignature
  | InstallationKeySignature
  | LegacyDelegatedSignature
  | PasskeySignature;

/** What a signature proved once checked (libxmtp `SignatureKind`). */
export type SignatureKind = 'erc191' | 'erc1271' | 'installationKey' | 'legacyDelegated' | 'p256';

export interface VerifiedSignature {
  readonly signer: MemberIdentifier;
  readonly kind: SignatureKind;
  /** The bytes libxmtp remembers to refuse replays (normalized where libxmtp normalizes). */
  readonly rawBytes: Uint8Array;
  /** Set for smart-contract wallets only: the chain the signature was checked on. */
  readonly chainId: bigint | undefined;
}

// --- actions ---

export interface UnsignedCreateInbox {
  readonly kind: 'createInbox';
  readonly identifier: Identifier;
  readonly nonce: bigint;
}

export interface UnsignedAddAssociation {
  readonly kind: 'addAssociation';
  readonly newMember: MemberIdentifier;
}

export interface UnsignedRevokeAssociation {
  readonly kind: 'revokeAssociation';
  readonly revokedMember: MemberIdentifier;
}

export interface UnsignedChangeRecoveryAddress {
  readonly kind: 'changeRecoveryAddress';
  readonly newRecoveryIdentifier: Identifier;
}

export type UnsignedAction =
  | UnsignedCreateInbox
  | UnsignedAddAssociation
  | UnsignedRevokeAssociation
  | UnsignedChangeRecoveryAddress;

export interface CreateInboxAction extends UnsignedCreateInbox {
  readonly initialSignature: UnverifiedSignature;
}

export interface AddAssociationAction extends UnsignedAddAssociation {
  readonly existingMemberSignature: UnverifiedSignature;
  readonly newMemberSignature: UnverifiedSignature;
}

export interface RevokeAssociationAction extends UnsignedRevokeAssociation {
  readonly recoverySignature: UnverifiedSignature;
}

export interface ChangeRecoveryAddressAction extends UnsignedChangeRecoveryAddress {
  readonly recoverySignature: UnverifiedSignature;
}

export type IdentityAction =
  | CreateInboxAction
  | AddAssociationAction
  | RevokeAssociationAction
  | ChangeRecoveryAddressAction;

/** What every signature of an update covers: the text built from these (signatureText.ts). */
export interface UnsignedIdentityUpdate {
  readonly inboxId: string;
  readonly clientTimestampNs: bigint;
  readonly actions: readonly UnsignedAction[];
}

export interface IdentityUpdate extends UnsignedIdentityUpdate {
  readonly actions: readonly IdentityAction[];
}
