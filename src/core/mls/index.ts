/** The XMTP MLS profile on ts-mls: key packages, group-context extensions, policies, welcomes, commit validation. */
export { XMTP_CIPHERSUITE_ID, XMTP_CIPHERSUITE_NAME, getXmtpCiphersuiteImpl } from './ciphersuite';
export { inboxIdFromCredential, isInboxId, xmtpCredential } from './credential';
export { createXmtpKeyPackage, type CreateXmtpKeyPackageInput, type XmtpKeyPackage } from './keyPackage';
export { validateXmtpKeyPackage, type ValidatedKeyPackage, type WelcomeWrapperKey } from './keyPackageValidate';
export { parseGroupMessageFraming, MAX_GROUP_MESSAGE_BYTES, type GroupMessageContentType, type GroupMessageFraming } from './framing';
export {
  unwrapWelcome,
  wrapWelcome,
  WELCOME_WRAPPER_ALGORITHM_CURVE25519,
  WELCOME_WRAPPER_ALGORITHM_XWING,
  type UnwrapWelcomeInput,
  type WelcomeWrapperAlgorithm,
  type UnwrappedWelcome,
  type WrapWelcomeInput,
  type WrappedWelcome,
} from './welcome';
export { decodeWelcomeMetadata, encodeWelcomeMetadata } from './welcomeMetadata';
export { generateXWingKeyPair, welcomeWrapperEncryptionExtension, xwingPublicKeyOf, type XWingKeyPair } from './welcomeWrapperKey';
export {
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_MUTABLE_METADATA,
  findExtension,
  replaceExtension,
} from './extensions';
export { decodeGroupMetadata, groupMetadataOf, type ConversationType, type DmMembers, type GroupMetadata } from './extensionsGroupMetadata';
export { decodeMembership, membershipOf, type GroupMembership } from './extensionsMembership';
export { METADATA_FIELD, decodeMutableMetadata, mutableMetadataOf, type GroupMutableMetadata } from './extensionsMutableMetadata';
export { decodePermissions, permissionsOf } from './extensionsPermissions';
export {
  adminOnlyGroupPolicySet,
  defaultGroupPolicySet,
  dmPolicySet,
  type MembershipPolicy,
  type MetadataPolicy,
  type PermissionsPolicy,
  type PolicySet,
} from './policies';
export {
  ADMIN_LIST_ACTIONS,
  PERMISSION_METADATA_FIELDS,
  PERMISSION_OPTIONS,
  PERMISSION_UPDATE_TYPES,
  POLICY_PRESETS,
  permissionsView,
  policySetForPreset,
  presetOf,
  withAdminListAction,
  withPermission,
  type AdminListAction,
  type PermissionOption,
  type PermissionsView,
  type PermissionUpdate,
  type PermissionUpdateType,
  type PolicyOptionView,
  type PolicyPreset,
} from './policyUpdate';
export { assertOwnChangePermitted } from './ownChangeCheck';
export { evaluateGroupChanges, type GroupChanges, type InboxRole, type PolicyDecision } from './policiesEvaluate';
export {
  newDmExtensions,
  newGroupExtensions,
  withDescription,
  withGroupName,
  withImageUrlSquare,
  withMembership,
  withMetadataAttribute,
  withoutMember,
  withPolicySet,
  type DisappearingSettings,
  type NewDmOptions,
  type NewGroupOptions,
} from './groupContext';
export { assertGroupContextChangeAllowed, checkGroupContextChange, diffGroupContext } from './groupContextDiff';
export { membershipDiff, type IdentityStateAt, type MembershipDiff } from './membershipDiff';
export { planMembershipUpdate, withFailedInstallations, type MembershipUpdatePlan } from './membershipDiffPlan';
export { validateCommit, type CommitLeaf, type ValidateCommitInput, type ValidatedCommit } from './validateCommit';
export { commitRecorder, commitValidationInput } from './validateCommitInput';
