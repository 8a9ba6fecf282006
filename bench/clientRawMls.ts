/**
 * The raw ts-mls baseline for `npm run bench:client`: the same MLS operations as Parley's engine,
 * called directly on ts-mls 1.6.4 with nothing around them (no content encoding, store, identity,
 * validation, welcome wrapping or network). Same suite (0x0003), client config and key-package
 * profile as Parley, so the trees and leaves are the same size on both sides.
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  processPrivateMessage,
} from 'ts-mls';
import type { CiphersuiteImpl, ClientState, KeyPackage, PrivateKeyPackage, Proposal } from 'ts-mls';
import { xmtpClientConfig } from '../src/core/client/groupState';
import { newDmExtensions, newGroupExtensions } from '../src/core/mls/groupContext';
import { createXmtpKeyPackage } from '../src/core/mls/keyPackage';

export interface RawMember {
  inboxId: string;
  keyPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

/** A key package as Parley makes them, for an inbox that exists only in this baseline. */
export async function rawMember(): Promise<RawMember> {
  const privateKey = ed25519.utils.randomSecretKey();
  const inboxId = randomBytes(32).toString('hex');
  const made = await createXmtpKeyPackage({
    inboxId,
    installationKey: { privateKey, publicKey: ed25519.getPublicKey(privateKey) },
    now: new Date(),
  });
  return { inboxId, keyPackage: made.keyPackage, privatePackage: made.privatePackage };
}

/** A group's creator and one other member who joined from the welcome. */
export interface RawGroup {
  sender: ClientState;
  receiver: ClientState;
}

/** `creator` makes a group and adds `receiver` and `others` in one commit; `receiver` joins. */
export async function rawGroup(cs: CiphersuiteImpl, creator: RawMember, receiver: RawMember, others: readonly RawMember[]): Promise<RawGroup> {
  const created = await createGroup(
    randomBytes(16),
    creator.keyPackage,
    creator.privatePackage,
    newGroupExtensions({ creatorInboxId: creator.inboxId, creatorSequenceId: 0n }),
    cs,
    xmtpClientConfig(),
  );
  const adds: Proposal[] = [receiver, ...others].map((m) => ({ proposalType: 'add', add: { keyPackage: m.keyPackage } }));
  const commit = await createCommit({ state: created, cipherSuite: cs }, { extraProposals: adds, ratchetTreeExtension: true });
  if (commit.welcome === undefined) throw new Error('the add commit has no welcome');
  const joined = await joinGroup(commit.welcome, receiver.keyPackage, receiver.privatePackage, emptyPskIndex, cs, undefined, undefined, xmtpClientConfig());
  return { sender: commit.newState, receiver: joined };
}

/** Encrypts one application message and encodes it for the wire (TLS MLSMessage). */
export async function rawEncrypt(cs: CiphersuiteImpl, state: ClientState, plaintext: Uint8Array): Promise<{ state: ClientState; wire: Uint8Array }> {
  const { newState, privateMessage, consumed } = await createApplicationMessage(state, plaintext, cs);
  const wire = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
  for (const key of consumed) key.fill(0);
  return { state: newState, wire };
}

/** Decodes and decrypts one application message. */
export async function rawDecrypt(cs: CiphersuiteImpl, state: ClientState, wire: Uint8Array): Promise<{ state: ClientState; plaintext: Uint8Array }> {
  const decoded = decodeMlsMessage(wire, 0);
  if (decoded === undefined || decoded[0].wireformat !== 'mls_private_message') throw new Error('not a private message');
  const result = await processPrivateMessage(state, decoded[0].privateMessage, emptyPskIndex, cs);
  if (result.kind !== 'applicationMessage') throw new Error(`expected an application message, got ${result.kind}`);
  return { state: result.newState, plaintext: result.message };
}

/** A two-member group as a DM starts: the creator's key package, the group, the add commit and its welcome, encoded. */
export async function rawCreateDm(cs: CiphersuiteImpl, peer: RawMember): Promise<void> {
  const creator = await rawMember();
  const created = await createGroup(
    randomBytes(16),
    creator.keyPackage,
    creator.privatePackage,
    newDmExtensions({ creatorInboxId: creator.inboxId, creatorSequenceId: 0n, peerInboxId: peer.inboxId }),
    cs,
    xmtpClientConfig(),
  );
  await rawAdd(cs, created, peer);
}

/** One Add commit with the ratchet tree in its welcome, both encoded; the committer's new state and the commit. */
export async function rawAdd(cs: CiphersuiteImpl, state: ClientState, member: RawMember): Promise<{ state: ClientState; wire: Uint8Array }> {
  const commit = await createCommit(
    { state, cipherSuite: cs },
    { extraProposals: [{ proposalType: 'add', add: { keyPackage: member.keyPackage } }], ratchetTreeExtension: true },
  );
  const wire = encodeMlsMessage(commit.commit);
  if (commit.welcome === undefined) throw new Error('the add commit has no welcome');
  encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: commit.welcome });
  return { state: commit.newState, wire };
}

/** Decodes and applies another member's commit. */
export async function rawProcessCommit(cs: CiphersuiteImpl, state: ClientState, wire: Uint8Array): Promise<ClientState> {
  const decoded = decodeMlsMessage(wire, 0);
  if (decoded === undefined || decoded[0].wireformat !== 'mls_private_message') throw new Error('not a private message');
  const result = await processPrivateMessage(state, decoded[0].privateMessage, emptyPskIndex, cs);
  if (result.kind !== 'newState') throw new Error(`expected a commit, got ${result.kind}`);
  return result.newState;
}
