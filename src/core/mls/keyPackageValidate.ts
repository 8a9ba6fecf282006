import { WelcomeWrapperEncryption } from '@xmtp/proto/mls/message_contents/wrapper_encryption.pb';
import type { Extension, KeyPackage } from 'ts-mls';
import { extensionTypeToNumber, extensionsSupportedByCapabilities } from 'ts-mls/extension.js';
import { decodeKeyPackage, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { ParleyError, isParleyError } from '../errors';
import { bytesEqual } from './bytesEqual';
import { XMTP_CIPHERSUITE_NAME, getXmtpCiphersuiteImpl } from './ciphersuite';
import { inboxIdFromCredential } from './credential';
import { decodeTlsExact } from './decodeTlsExact';
import {
  EXTENSION_APPLICATION_ID,
  EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
  KEY_PACKAGE_CLOCK_SKEW_SECONDS,
  KEY_PACKAGE_MAX_LIFETIME_RANGE_SECONDS,
  MAX_KEY_PACKAGE_BYTES,
  applicationIdFromExtension,
} from './keyPackageProfile';

/** The post-quantum key a key package may offer for welcome wrapping (extension 0xff03). */
export interface WelcomeWrapperKey {
  algorithm: 'curve25519' | 'xwing-mlkem768-draft6';
  publicKey: Uint8Array;
}

export interface ValidatedKeyPackage {
  inboxId: string;
  /** Ed25519 leaf signature key = the installation id. */
  installationKey: Uint8Array;
  /** X25519 HPKE init key: Welcome secrets and (without 0xff03) the welcome wrapper go to it. */
  initKey: Uint8Array;
  /** X25519 leaf encryption key. */
  hpkePublicKey: Uint8Array;
  welcomeWrapperKey?: WelcomeWrapperKey;
  /** Lifetime, Unix seconds. */
  notBefore: bigint;
  notAfter: bigint;
  keyPackage: KeyPackage;
}

/** Wrapper algorithms of xmtp.mls.message_contents.WelcomeWrapperAlgorithm, with their key sizes. */
const WRAPPER_ALGORITHMS = new Map<number, { name: WelcomeWrapperKey['algorithm']; keyBytes: number }>([
  [1, { name: 'curve25519', keyBytes: 32 }],
  [2, { name: 'xwing-mlkem768-draft6', keyBytes: 1216 }],
]);

/**
 * Checks an uploaded or fetched key package the way libxmtp does before using one
 * (xmtp_mls/src/verified_key_package_v2.rs: openmls `KeyPackageIn::validate` with lifetime
 * verification, then a Basic credential holding an MlsCredential), plus the XMTP profile:
 * suite 0x0003, application_id = inbox id, and RFC 9420 §10.1's maximum lifetime.
 * Everything wrong is 'Mls.InvalidKeyPackage' with details naming the problem.
 */
export async function validateXmtpKeyPackage(tls: Uint8Array, now: Date): Promise<ValidatedKeyPackage> {
  if (tls.length > MAX_KEY_PACKAGE_BYTES) invalid(`key package is ${tls.length} bytes; the limit is ${MAX_KEY_PACKAGE_BYTES}`);
  // Decoded fields are views into the buffer; a private copy keeps them stable for the caller.
  const decoded = decodeTlsExact(decodeKeyPackage, tls.slice());
  if (!decoded.ok) invalid(`not a TLS KeyPackage: ${decoded.reason}`);
  const kp = decoded.value;
  const leaf = kp.leafNode;

  if (kp.version !== 'mls10') invalid(`protocol version ${kp.version} is not mls10`);
  if (kp.cipherSuite !== XMTP_CIPHERSUITE_NAME) invalid(`ciphersuite ${kp.cipherSuite} is not 0x0003`);
  if (leaf.leafNodeSource !== 'key_package') invalid(`leaf node source is ${leaf.leafNodeSource}`);
  if (leaf.signaturePublicKey.length !== 32) invalid(`leaf signature key is ${leaf.signaturePublicKey.length} bytes, not an Ed25519 key`);
  if (kp.initKey.length !== 32) invalid(`init key is ${kp.initKey.length} bytes, not an X25519 key`);
  if (leaf.hpkePublicKey.length !== 32) invalid(`leaf encryption key is ${leaf.hpkePublicKey.length} bytes, not an X25519 key`);
  // RFC 9420 §10.1: init_key and encryption_key MUST differ.
  if (bytesEqual(kp.initKey, leaf.hpkePublicKey)) invalid('init key equals the leaf encryption key');

  let inboxId: string;
  try {
    inboxId = inboxIdFromCredential(leaf.credential);
  } catch (e) {
    if (isParleyError(e)) invalid(`bad credential: ${e.details ?? e.shortMessage}`, e);
    throw e;
  }

  const caps = leaf.capabilities;
  if (!caps.versions.includes('mls10')) invalid('capabilities do not list mls10');
  if (!caps.ciphersuites.includes(XMTP_CIPHERSUITE_NAME)) invalid('capabilities do not list ciphersuite 0x0003');
  if (!caps.credentials.includes('basic')) invalid('capabilities do not list the basic credential');
  checkUniqueExtensions(leaf.extensions, 'leaf node');
  checkUniqueExtensions(kp.extensions, 'key package');
  // RFC 9420 §7.2: every non-default leaf extension must be listed in the leaf's capabilities.
  if (!extensionsSupportedByCapabilities(leaf.extensions, caps)) invalid('leaf node carries an extension its capabilities do not list');

  const appIdExtension = leaf.extensions.find((e) => extensionTypeToNumber(e.extensionType) === EXTENSION_APPLICATION_ID);
  if (appIdExtension === undefined) invalid('leaf node has no application_id extension');
  const appId = applicationIdFromExtension(appIdExtension);
  if (appId === undefined) invalid('application_id extension is not a length-prefixed byte string');
  if (!bytesEqual(appId, new TextEncoder().encode(inboxId))) invalid('application_id does not match the credential inbox id');

  const cs = await getXmtpCiphersuiteImpl();
  if (!(await verifies(() => verifyLeafNodeSignatureKeyPackage(leaf, cs.signature)))) invalid('leaf node signature does not verify');
  if (!(await verifies(() => verifyKeyPackage(kp, cs.signature)))) invalid('key package signature does not verify');

  const { notBefore, notAfter } = leaf.lifetime;
  if (notAfter < notBefore) invalid(`lifetime ends (${notAfter}) before it starts (${notBefore})`);
  if (notAfter - notBefore > KEY_PACKAGE_MAX_LIFETIME_RANGE_SECONDS) {
    invalid(`lifetime spans ${notAfter - notBefore} s; the limit is ${KEY_PACKAGE_MAX_LIFETIME_RANGE_SECONDS} s`);
  }
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new ParleyError('Mls.BadInput', 'Validation needs a valid current time.');
  const nowS = BigInt(Math.floor(nowMs / 1000));
  if (notBefore > nowS + KEY_PACKAGE_CLOCK_SKEW_SECONDS) invalid(`not yet valid: not_before ${notBefore} is after now (${nowS})`);
  if (notAfter < nowS) invalid(`expired: not_after ${notAfter} is before now (${nowS})`);

  const result: ValidatedKeyPackage = {
    inboxId,
    installationKey: leaf.signaturePublicKey,
    initKey: kp.initKey,
    hpkePublicKey: leaf.hpkePublicKey,
    notBefore,
    notAfter,
    keyPackage: kp,
  };
  const wrapperExtension = kp.extensions.find((e) => extensionTypeToNumber(e.extensionType) === EXTENSION_WELCOME_WRAPPER_ENCRYPTION);
  if (wrapperExtension !== undefined) result.welcomeWrapperKey = welcomeWrapperKeyFrom(wrapperExtension);
  return result;
}

function welcomeWrapperKeyFrom(extension: Extension): WelcomeWrapperKey {
  let decoded: WelcomeWrapperEncryption;
  try {
    decoded = WelcomeWrapperEncryption.decode(extension.extensionData);
  } catch (cause) {
    invalid('welcome wrapper extension (0xff03) is not a WelcomeWrapperEncryption protobuf', cause);
  }
  const algorithm = WRAPPER_ALGORITHMS.get(decoded.algorithm);
  if (algorithm === undefined) invalid(`welcome wrapper extension names unknown algorithm ${decoded.algorithm}`);
  if (decoded.pubKey.length !== algorithm.keyBytes) {
    invalid(`welcome wrapper ${algorithm.name} key is ${decoded.pubKey.length} bytes, not ${algorithm.keyBytes}`);
  }
  return { algorithm: algorithm.name, publicKey: new Uint8Array(decoded.pubKey) };
}

function checkUniqueExtensions(extensions: Extension[], where: string): void {
  const seen = new Set<number>();
  for (const e of extensions) {
    const type = extensionTypeToNumber(e.extensionType);
    // RFC 9420 §13: an extension type appears at most once in a list.
    if (seen.has(type)) invalid(`${where} lists extension 0x${type.toString(16).padStart(4, '0')} twice`);
    seen.add(type);
  }
}

/** Signature checks on hostile keys may throw (WebCrypto rejects some points); that is a failure. */
async function verifies(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

function invalid(details: string, cause?: unknown): never {
  throw new ParleyError('Mls.InvalidKeyPackage', 'The key package is not a valid XMTP key package.', cause === undefined ? { details } : { details, cause });
}
