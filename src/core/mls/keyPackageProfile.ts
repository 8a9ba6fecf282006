import type { Capabilities, Extension } from 'ts-mls';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { decodeVarLenData, varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { XMTP_CIPHERSUITE_NAME } from './ciphersuite';
import { decodeTlsExact } from './decodeTlsExact';

/**
 * What libxmtp v1.10.0 puts in a key package (xmtp_mls/src/identity.rs `XmtpKeyPackageBuilder::build`;
 * ids in xmtp_configuration/src/common/metadata.rs and openmls's extension types).
 */
export const EXTENSION_APPLICATION_ID = 0x0001;
/** RFC 9420 registry "last_resort" (draft-ietf-mls-extensions), empty body. */
export const EXTENSION_LAST_RESORT = 0x000a;
export const EXTENSION_MUTABLE_METADATA = 0xff00;
export const EXTENSION_GROUP_MEMBERSHIP = 0xff01;
export const EXTENSION_GROUP_PERMISSIONS = 0xff02;
/** Key-package extension: protobuf WelcomeWrapperEncryption{pub_key, algorithm} (X-Wing key). */
export const EXTENSION_WELCOME_WRAPPER_ENCRYPTION = 0xff03;
/** Key-package extension: the AEADs this installation accepts for welcome pointers. */
export const EXTENSION_WELCOME_POINTEE_AEAD_TYPES = 0xff04;
export const EXTENSION_IMMUTABLE_METADATA = 0xf000;

/** RFC 9420 §17.4 proposal type 7, group_context_extensions. */
const PROPOSAL_GROUP_CONTEXT_EXTENSIONS = 7;

/** Leaf capabilities, in libxmtp's order (the order is part of the signed leaf). */
export function xmtpLeafCapabilities(): Capabilities {
  return {
    versions: ['mls10'],
    ciphersuites: [XMTP_CIPHERSUITE_NAME],
    extensions: [
      EXTENSION_LAST_RESORT,
      EXTENSION_APPLICATION_ID,
      EXTENSION_GROUP_PERMISSIONS,
      EXTENSION_MUTABLE_METADATA,
      EXTENSION_GROUP_MEMBERSHIP,
      EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
      EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
      EXTENSION_IMMUTABLE_METADATA,
    ],
    proposals: [PROPOSAL_GROUP_CONTEXT_EXTENSIONS],
    credentials: ['basic'],
  };
}

/**
 * openmls `Lifetime::new` as libxmtp uses it: valid from one hour ago (clock skew margin) to
 * 84 days ahead (openmls key_packages/lifetime.rs DEFAULT_KEY_PACKAGE_LIFETIME_{MARGIN_,}SECONDS).
 */
export const KEY_PACKAGE_BACKDATE_SECONDS = 60n * 60n;
export const KEY_PACKAGE_LIFETIME_SECONDS = 84n * 24n * 60n * 60n;
/** RFC 9420 §10.1 asks for a maximum total lifetime; openmls's is margin + lifetime. */
export const KEY_PACKAGE_MAX_LIFETIME_RANGE_SECONDS = KEY_PACKAGE_BACKDATE_SECONDS + KEY_PACKAGE_LIFETIME_SECONDS;
/** How far in the future `not_before` may lie before a key package counts as not yet valid. */
export const KEY_PACKAGE_CLOCK_SKEW_SECONDS = 5n * 60n;

/** Real key packages are ~1.7 KB (with an X-Wing key); the cap bounds work on hostile uploads. */
export const MAX_KEY_PACKAGE_BYTES = 64 * 1024;

/**
 * The leaf `application_id` extension libxmtp sets to the inbox id's UTF-8 bytes. openmls
 * serialises ApplicationIdExtension as a VLBytes, so extension_data is itself length-prefixed.
 */
export function applicationIdExtension(inboxId: string): Extension {
  return { extensionType: 'application_id', extensionData: encode(varLenDataEncoder)(new TextEncoder().encode(inboxId)) };
}

/** The application id bytes inside an `application_id` extension, or undefined if malformed. */
export function applicationIdFromExtension(extension: Extension): Uint8Array | undefined {
  const decoded = decodeTlsExact(decodeVarLenData, extension.extensionData);
  return decoded.ok ? decoded.value : undefined;
}
