/** The XMTP identity layer: inbox ids, identity updates (build, sign, verify) and their rules. */
export type { InboxId } from './inboxId';
export { inboxIdFor, inboxIdForText, isEthereumAddress } from './inboxId';
export type {
  AddAssociationAction,
  ChangeRecoveryAddressAction,
  CreateInboxAction,
  Erc191Signature,
  EthereumIdentifier,
  Identifier,
  IdentityAction,
  IdentityUpdate,
  InstallationIdentifier,
  InstallationKeySignature,
  LegacyDelegatedSignature,
  MemberIdentifier,
  MemberKind,
  PasskeyIdentifier,
  PasskeySignature,
  RevokeAssociationAction,
  SignatureKind,
  SmartWalletSignature,
  UnsignedAction,
  UnsignedIdentityUpdate,
  UnverifiedSignature,
  VerifiedSignature,
} from './model';
export { ethereumIdentifier, identifierText, installationIdentifier, memberKey, sameMember } from './model';
export { identityUpdateSignatureText, signatureTimestamp } from './signatureText';
export {
  decodeIdentityUpdate,
  encodeIdentityUpdate,
  identityUpdateFromProto,
  identityUpdateToProto,
  MAX_IDENTITY_UPDATE_ACTIONS,
  MAX_IDENTITY_UPDATE_BYTES,
} from './codec';
export type { AccountId } from './accountId';
export { evmChainId, formatAccountId, parseAccountId } from './accountId';
export type { InstallationSigner, Signer, SmartWalletSigner, WalletSigner } from './signer';
export { signerMember, signWith } from './signer';
export type { Eip1193Provider } from './walletSigners';
export { eip1193Signer, generateWalletPrivateKey, localAccountSigner, privateKeySigner } from './walletSigners';
export type { InstallationKeyPair } from './installationKey';
export {
  generateInstallationKey,
  INSTALLATION_KEY_SIGNATURE_CONTEXT,
  installationIdHex,
  installationKeySigner,
  installationPublicKey,
  signWithInstallationKey,
  verifyInstallationSignature,
} from './installationKey';
export { clientTimestampNsNow, IdentityUpdateBuilder, SignatureRequest } from './signatureRequest';
export type { SmartWalletVerificationRequest, SmartWalletVerifier } from './smartWalletVerifier';
export { refusingSmartWalletVerifier } from './smartWalletVerifier';
export { verifySignature } from './verifySignature';
export {
  DEFAULT_SIGNATURE_CACHE_ENTRIES,
  sharedVerifiedSignatureCache,
  signatureCacheKey,
  VerifiedSignatureCache,
} from './verifiedSignatureCache';
export { recoverErc191Signer } from './erc191Signature';
export { legacyCreateIdentityText } from './legacyDelegatedSignature';
export type { AssociationState, AssociationStateDiff, Member } from './associationState';
export {
  diffAssociationStates,
  getMember,
  installationCount,
  installationKeys,
  isMember,
  listMembers,
  memberIdentifiers,
} from './associationState';
export type { AssociationPolicy, VerifiedAction, VerifiedIdentityUpdate } from './associationRules';
export { applyVerifiedUpdate, LOG_REPLAY_POLICY, NEW_UPDATE_POLICY } from './associationRules';
export type { AppliedIdentityUpdate, ApplyOptions, SignatureCheck, VerifyOptions } from './applyIdentityUpdate';
export { applyIdentityUpdate, associationStateFromLog, verifyIdentityUpdate } from './applyIdentityUpdate';
