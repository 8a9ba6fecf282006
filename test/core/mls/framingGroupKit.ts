import { createApplicationMessage, createCommit, createGroup, createProposal, encodeMlsMessage } from 'ts-mls';
import type { ClientState, KeyPackage, MLSMessage, PrivateKeyPackage, Welcome } from 'ts-mls';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { createXmtpKeyPackage } from '../../../src/core/mls/keyPackage';
import { newInstallationKey, randomInboxId } from './keyPackageTestKit';

export interface Member {
  keyPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

export async function newMember(): Promise<Member> {
  const { keyPackage, privatePackage } = await createXmtpKeyPackage({
    inboxId: randomInboxId(),
    installationKey: newInstallationKey(),
    now: new Date(),
  });
  return { keyPackage, privatePackage };
}

export interface TwoPartyGroup {
  groupId: Uint8Array;
  alice: Member;
  bob: Member;
  /** Alice's state at epoch 0, before she adds Bob. */
  aliceAtEpoch0: ClientState;
  /** Alice's state at epoch 1, after adding Bob. */
  aliceAtEpoch1: ClientState;
  /** The commit that adds Bob, sent as a PrivateMessage at epoch 0. */
  addCommitTls: Uint8Array;
  welcome: Welcome;
}

export const tlsOf = (message: MLSMessage): Uint8Array => encodeMlsMessage(message);

/** Alice creates a group with ts-mls and adds Bob: real commit and welcome bytes. */
export async function aliceAddsBob(): Promise<TwoPartyGroup> {
  const cs = await getXmtpCiphersuiteImpl();
  const groupId = crypto.getRandomValues(new Uint8Array(32));
  const alice = await newMember();
  const bob = await newMember();
  const aliceAtEpoch0 = await createGroup(groupId, alice.keyPackage, alice.privatePackage, [], cs);
  const added = await createCommit(
    { state: aliceAtEpoch0, cipherSuite: cs },
    { extraProposals: [{ proposalType: 'add', add: { keyPackage: bob.keyPackage } }], ratchetTreeExtension: true },
  );
  if (added.welcome === undefined) throw new Error('adding a member gives a welcome');
  return {
    groupId,
    alice,
    bob,
    aliceAtEpoch0,
    aliceAtEpoch1: added.newState,
    addCommitTls: tlsOf(added.commit),
    welcome: added.welcome,
  };
}

/** An application message from `state`, as the MLSMessage bytes a client sends. */
export async function applicationMessageTls(state: ClientState, text: string): Promise<Uint8Array> {
  const cs = await getXmtpCiphersuiteImpl();
  const { privateMessage } = await createApplicationMessage(state, new TextEncoder().encode(text), cs);
  return tlsOf({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
}

/** An empty (self-update) commit, as a PublicMessage or a PrivateMessage. */
export async function emptyCommitTls(state: ClientState, wireAsPublicMessage: boolean): Promise<Uint8Array> {
  const cs = await getXmtpCiphersuiteImpl();
  return tlsOf((await createCommit({ state, cipherSuite: cs }, { wireAsPublicMessage })).commit);
}

/** An Add proposal by reference, as a PublicMessage or a PrivateMessage. */
export async function addProposalTls(state: ClientState, keyPackage: KeyPackage, publicMessage: boolean): Promise<Uint8Array> {
  const cs = await getXmtpCiphersuiteImpl();
  const { message } = await createProposal(state, publicMessage, { proposalType: 'add', add: { keyPackage } }, cs);
  return tlsOf(message);
}
