import { ed25519 } from '@noble/curves/ed25519.js';
import { createCommit, createGroup, emptyPskIndex, joinGroup, processPrivateMessage } from 'ts-mls';
import type { ClientState, CiphersuiteImpl, Extension, MLSMessage, Proposal } from 'ts-mls';
import { getOwnLeafNode } from 'ts-mls/clientState.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { mutableMetadataOf } from '../../../src/core/mls/extensionsMutableMetadata';
import { membershipOf } from '../../../src/core/mls/extensionsMembership';
import { newGroupExtensions, withGroupName, withMembership, withoutMember } from '../../../src/core/mls/groupContext';
import { createXmtpKeyPackage, type XmtpKeyPackage } from '../../../src/core/mls/keyPackage';

/**
 * The ts-mls 1.6.4 patch (patches/ts-mls+1.6.4.patch), end to end: every commit carrying a
 * GroupContextExtensions proposal must carry an update path (RFC 9420 §12.4; openmls otherwise
 * refuses it, RequiredPathNotFound), encrypted to the provisional context with the new
 * extensions (§12.4.2; otherwise libxmtp fails UnableToDecrypt). Unpatched, the path is missing;
 * with only the first fix, the receivers below fail to decrypt the path. The Remove + membership
 * commit (libxmtp's way to remove a member) is ts-mls issue #742, the same old-context bug.
 */

// ts-mls checks key-package lifetimes against the clock, so these are made now.
const NOW = new Date();

interface Member {
  inboxId: string;
  keyPackage: XmtpKeyPackage;
}

async function newMember(inboxId: string): Promise<Member> {
  const privateKey = ed25519.utils.randomSecretKey();
  const keyPackage = await createXmtpKeyPackage({
    inboxId,
    installationKey: { privateKey, publicKey: ed25519.getPublicKey(privateKey) },
    now: NOW,
  });
  return { inboxId, keyPackage };
}

function gce(extensions: Extension[]): Proposal {
  return { proposalType: 'group_context_extensions', groupContextExtensions: { extensions } };
}

function add(member: Member): Proposal {
  return { proposalType: 'add', add: { keyPackage: member.keyPackage.keyPackage } };
}

async function receive(state: ClientState, commit: MLSMessage, cs: CiphersuiteImpl): Promise<ClientState> {
  if (commit.wireformat !== 'mls_private_message') throw new Error('XMTP sends every commit as a PrivateMessage');
  const result = await processPrivateMessage(state, commit.privateMessage, emptyPskIndex, cs);
  if (result.kind !== 'newState') throw new Error('expected a commit');
  return result.newState;
}

/** The committer's leaf gets a new HPKE key exactly when its commit carries an update path. */
function leafKey(state: ClientState): Uint8Array {
  return getOwnLeafNode(state).hpkePublicKey;
}

function expectSameEpoch(a: ClientState, b: ClientState): void {
  expect(b.groupContext.epoch).toBe(a.groupContext.epoch);
  expect(b.groupContext.extensions).toEqual(a.groupContext.extensions);
  expect(b.keySchedule.epochAuthenticator).toEqual(a.keySchedule.epochAuthenticator);
}

describe('group-context commits between ts-mls members (patched ts-mls 1.6.4)', () => {
  let cs: CiphersuiteImpl;
  let alice: Member;
  let bob: Member;
  let charlie: Member;

  beforeAll(async () => {
    cs = await getXmtpCiphersuiteImpl();
    [alice, bob, charlie] = await Promise.all([newMember('a'.repeat(64)), newMember('b'.repeat(64)), newMember('c'.repeat(64))]);
  });

  async function aliceWithBob(): Promise<{ aliceState: ClientState; bobState: ClientState }> {
    const created = await createGroup(
      crypto.getRandomValues(new Uint8Array(16)),
      alice.keyPackage.keyPackage,
      alice.keyPackage.privatePackage,
      newGroupExtensions({ creatorInboxId: alice.inboxId, creatorSequenceId: 1n, name: 'first' }),
      cs,
    );
    const extensions = withMembership(created.groupContext.extensions, bob.inboxId, 3n);
    const { newState, welcome } = await createCommit(
      { state: created, cipherSuite: cs },
      { extraProposals: [add(bob), gce(extensions)], ratchetTreeExtension: true },
    );
    if (welcome === undefined) throw new Error('an Add commit has a welcome');
    const bobState = await joinGroup(welcome, bob.keyPackage.keyPackage, bob.keyPackage.privatePackage, emptyPskIndex, cs);
    return { aliceState: newState, bobState };
  }

  it('a rename commit (GCE proposal only) carries an update path', async () => {
    const { aliceState } = await aliceWithBob();
    const { newState } = await createCommit(
      { state: aliceState, cipherSuite: cs },
      { extraProposals: [gce(withGroupName(aliceState.groupContext.extensions, 'renamed'))] },
    );
    expect(leafKey(newState)).not.toEqual(leafKey(aliceState));
    expect(mutableMetadataOf(newState.groupContext.extensions).attributes.get('group_name')).toBe('renamed');
  });

  it('a second member processes the rename and reaches the committer’s epoch', async () => {
    const { aliceState, bobState } = await aliceWithBob();
    expectSameEpoch(aliceState, bobState);
    const { newState, commit } = await createCommit(
      { state: aliceState, cipherSuite: cs },
      { extraProposals: [gce(withGroupName(aliceState.groupContext.extensions, 'renamed'))] },
    );
    expect(leafKey(newState)).not.toEqual(leafKey(aliceState));
    const bobAfter = await receive(bobState, commit, cs);
    expectSameEpoch(newState, bobAfter);
    expect(bobAfter.groupContext.epoch).toBe(bobState.groupContext.epoch + 1n);
    expect(mutableMetadataOf(bobAfter.groupContext.extensions).attributes.get('group_name')).toBe('renamed');
  });

  it('an Add + membership commit reaches the existing member and the joiner alike', async () => {
    const { aliceState, bobState } = await aliceWithBob();
    const extensions = withMembership(aliceState.groupContext.extensions, charlie.inboxId, 7n);
    const { newState, commit, welcome } = await createCommit(
      { state: aliceState, cipherSuite: cs },
      { extraProposals: [add(charlie), gce(extensions)], ratchetTreeExtension: true },
    );
    expect(leafKey(newState)).not.toEqual(leafKey(aliceState));
    if (welcome === undefined) throw new Error('an Add commit has a welcome');

    const bobAfter = await receive(bobState, commit, cs);
    const charlieState = await joinGroup(
      welcome,
      charlie.keyPackage.keyPackage,
      charlie.keyPackage.privatePackage,
      emptyPskIndex,
      cs,
    );
    expectSameEpoch(newState, bobAfter);
    expectSameEpoch(newState, charlieState);
    expect(membershipOf(charlieState.groupContext.extensions).members).toEqual(
      new Map([
        [alice.inboxId, 1n],
        [bob.inboxId, 3n],
        [charlie.inboxId, 7n],
      ]),
    );
  });

  it('a Remove + membership commit reaches the remaining members (ts-mls issue #742)', async () => {
    const { aliceState, bobState } = await aliceWithBob();
    const added = await createCommit(
      { state: aliceState, cipherSuite: cs },
      {
        extraProposals: [add(charlie), gce(withMembership(aliceState.groupContext.extensions, charlie.inboxId, 1n))],
        ratchetTreeExtension: true,
      },
    );
    if (added.welcome === undefined) throw new Error('an Add commit has a welcome');
    const bobWithCharlie = await receive(bobState, added.commit, cs);
    const charlieState = await joinGroup(
      added.welcome,
      charlie.keyPackage.keyPackage,
      charlie.keyPackage.privatePackage,
      emptyPskIndex,
      cs,
    );

    // Bob (leaf 1) removes Charlie (leaf 2) and drops his inbox from the membership map.
    const { newState, commit } = await createCommit(
      { state: bobWithCharlie, cipherSuite: cs },
      {
        extraProposals: [
          { proposalType: 'remove', remove: { removed: 2 } },
          gce(withoutMember(bobWithCharlie.groupContext.extensions, charlie.inboxId)),
        ],
      },
    );
    const aliceAfter = await receive(added.newState, commit, cs);
    expectSameEpoch(newState, aliceAfter);
    expect(membershipOf(aliceAfter.groupContext.extensions).members.has(charlie.inboxId)).toBe(false);
    expect((await receive(charlieState, commit, cs)).groupActiveState.kind).toBe('removedFromGroup');
  });
});
