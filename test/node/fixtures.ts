/** Real protocol payloads for node tests, built with src/core (as a client would). */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { IdentityUpdate as IdentityUpdateProto } from '@xmtp/proto/identity/associations/association.pb';
import { CommitResult, PlaintextCommitLogEntry } from '@xmtp/proto/mls/message_contents/commit_log.pb';
import Long from 'long';
import { encodeMlsMessage } from 'ts-mls';
import type { ContentTypeName } from 'ts-mls';
import { identityUpdateToProto } from '../../src/core/identity/codec';
import { inboxIdFor } from '../../src/core/identity/inboxId';
import { generateInstallationKey, installationKeySigner } from '../../src/core/identity/installationKey';
import { ethereumIdentifier, installationIdentifier } from '../../src/core/identity/model';
import { IdentityUpdateBuilder, clientTimestampNsNow } from '../../src/core/identity/signatureRequest';
import type { WalletSigner } from '../../src/core/identity/signer';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity/walletSigners';
import { createXmtpKeyPackage } from '../../src/core/mls/keyPackage';

export interface TestInstallation {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface TestIdentity {
  address: string;
  inboxId: string;
  wallet: WalletSigner;
  installation: TestInstallation;
  /** CreateInbox + AddAssociation(installation), signed by wallet and installation. */
  registration: IdentityUpdateProto;
}

export async function newIdentity(): Promise<TestIdentity> {
  const wallet = privateKeySigner(generateWalletPrivateKey());
  const address = wallet.identifier;
  const inboxId = inboxIdFor(address);
  const installation = generateInstallationKey();
  const request = new IdentityUpdateBuilder(inboxId, clientTimestampNsNow())
    .createInbox(ethereumIdentifier(address))
    .addAssociation(installationIdentifier(installation.publicKey), ethereumIdentifier(address))
    .build();
  await request.sign(wallet);
  await request.sign(installationKeySigner(installation.secretKey));
  return { address, inboxId, wallet, installation, registration: identityUpdateToProto(request.toIdentityUpdate()) };
}

/** An update adding a second installation to an existing inbox. */
export async function addInstallationUpdate(id: TestIdentity, installation: TestInstallation): Promise<IdentityUpdateProto> {
  const request = new IdentityUpdateBuilder(id.inboxId, clientTimestampNsNow())
    .addAssociation(installationIdentifier(installation.publicKey), ethereumIdentifier(id.address))
    .build();
  await request.sign(id.wallet);
  await request.sign(installationKeySigner(installation.secretKey));
  return identityUpdateToProto(request.toIdentityUpdate());
}

export async function keyPackageFor(inboxId: string, installation: TestInstallation, now = new Date()): Promise<Uint8Array> {
  const kp = await createXmtpKeyPackage({
    inboxId,
    installationKey: { privateKey: installation.secretKey, publicKey: installation.publicKey },
    now,
  });
  return kp.tls;
}

/**
 * A group message as the node sees it: a TLS MLSMessage holding a PrivateMessage. The node
 * reads only the clear framing, so the ciphertext can be any bytes.
 */
export function privateMessage(groupId: Uint8Array, body: string | Uint8Array, contentType: ContentTypeName = 'application', epoch = 1n): Uint8Array {
  return encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: {
      groupId,
      epoch,
      contentType,
      authenticatedData: new Uint8Array(),
      encryptedSenderData: new Uint8Array(16).fill(7),
      ciphertext: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    },
  });
}

/** A PublishCommitLogRequest as libxmtp makes one: a PlaintextCommitLogEntry signed with plain Ed25519. */
export function signedCommitLogEntry(
  groupId: Uint8Array,
  commitSequenceId: number,
  secretKey: Uint8Array = ed25519.utils.randomSecretKey(),
): { groupId: Uint8Array; serializedCommitLogEntry: Uint8Array; signature: { bytes: Uint8Array; publicKey: Uint8Array } } {
  // A plain Uint8Array (protobufjs answers a Buffer), as the entry comes back from the node.
  const serializedCommitLogEntry = Uint8Array.from(PlaintextCommitLogEntry.encode({
    groupId,
    commitSequenceId: Long.fromNumber(commitSequenceId, true),
    lastEpochAuthenticator: new Uint8Array(32).fill(commitSequenceId),
    commitResult: CommitResult.COMMIT_RESULT_APPLIED,
    appliedEpochNumber: Long.fromNumber(commitSequenceId + 1, true),
    appliedEpochAuthenticator: new Uint8Array(32).fill(commitSequenceId + 1),
  }).finish());
  return {
    groupId,
    serializedCommitLogEntry,
    signature: { bytes: ed25519.sign(serializedCommitLogEntry, secretKey), publicKey: ed25519.getPublicKey(secretKey) },
  };
}
