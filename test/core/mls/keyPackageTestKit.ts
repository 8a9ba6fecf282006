import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { UploadKeyPackageRequest } from '@xmtp/proto/mls/api/v1/mls.pb';
import { generateKeyPackageWithKey, getCiphersuiteFromName, getCiphersuiteImpl, nobleCryptoProvider } from 'ts-mls';
import type { Capabilities, CiphersuiteName, Credential, Extension, Lifetime } from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { xmtpCredential } from '../../../src/core/mls/credential';
import type { InstallationKeyPair } from '../../../src/core/mls/keyPackage';
import { EXTENSION_LAST_RESORT, applicationIdExtension, xmtpLeafCapabilities } from '../../../src/core/mls/keyPackageProfile';

export const FIXTURE_INBOX_ID = '82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c';
export const FIXTURE_INSTALLATION_KEY_HEX = 'a14103cfd54577f08d8412033b767309410c0a0ea19f7c3a1188b058a9930522';
/** client_timestamp_ns of the captured identity update, in ms: the key package was made then. */
export const FIXTURE_CREATED_AT = new Date(1795664735153);

/** The raw TLS KeyPackage libxmtp 1.10.0 uploaded (UploadKeyPackageRequest after the 5-byte gRPC frame header). */
export function fixtureKeyPackageTls(): Uint8Array {
  const frame = readFileSync(new URL('../../fixtures/xmtp-node-sdk-6.0.0/dump-4-UploadKeyPackage.bin', import.meta.url));
  const body = frame.subarray(5, 5 + frame.readUInt32BE(1));
  const request = UploadKeyPackageRequest.decode(body);
  if (!request.isInboxIdCredential || request.keyPackage === undefined) throw new Error('fixture is not an inbox-id key package upload');
  return new Uint8Array(request.keyPackage.keyPackageTlsSerialized);
}

export function newInstallationKey(): InstallationKeyPair {
  const privateKey = ed25519.utils.randomSecretKey();
  return { privateKey, publicKey: ed25519.getPublicKey(privateKey) };
}

export function randomInboxId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}

export interface CustomKeyPackage {
  inboxId?: string;
  suite?: CiphersuiteName;
  credential?: Credential;
  capabilities?: Capabilities;
  lifetime?: Lifetime;
  extensions?: Extension[];
  leafExtensions?: Extension[];
  installationKey?: InstallationKeyPair;
}

/**
 * A correctly signed key package with one aspect changed, to check that validation rejects it for
 * that reason and not for a broken signature.
 */
export async function customKeyPackageTls(custom: CustomKeyPackage, now: Date): Promise<Uint8Array> {
  const inboxId = custom.inboxId ?? randomInboxId();
  const key = custom.installationKey ?? newInstallationKey();
  const nowS = BigInt(Math.floor(now.getTime() / 1000));
  const cs = custom.suite
    ? await getCiphersuiteImpl(getCiphersuiteFromName(custom.suite), nobleCryptoProvider)
    : await getXmtpCiphersuiteImpl();
  const { publicPackage } = await generateKeyPackageWithKey(
    custom.credential ?? xmtpCredential(inboxId),
    custom.capabilities ?? xmtpLeafCapabilities(),
    custom.lifetime ?? { notBefore: nowS - 3600n, notAfter: nowS + 84n * 86400n },
    custom.extensions ?? [{ extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() }],
    { signKey: key.privateKey, publicKey: key.publicKey },
    cs,
    custom.leafExtensions ?? [applicationIdExtension(inboxId)],
  );
  return encodeKeyPackage(publicPackage);
}
