import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  acceptAll,
  createCommit,
  createGroup,
  createProposal,
  emptyPskIndex,
  joinGroup,
  processPrivateMessage,
  zeroOutUint8Array,
} from 'ts-mls';
import type { CiphersuiteImpl, ClientState, Extension, MLSMessage, Proposal, Welcome } from 'ts-mls';
import { beforeAll, describe, expect, it } from 'vitest';
import { isParleyError, type ErrorCode, type ParleyError } from '../../../src/core/errors';
import {
  applyIdentityUpdate,
  ethereumIdentifier,
  IdentityUpdateBuilder,
  inboxIdFor,
  installationKeySigner,
  signerMember,
  type AssociationState,
  type IdentityUpdate,
  type InstallationSigner,
  type WalletSigner,
} from '../../../src/core/identity';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { replaceExtension } from '../../../src/core/mls/extensions';
import { groupMetadataExtension } from '../../../src/core/mls/extensionsGroupMetadata';
import { membershipExtension, membershipOf } from '../../../src/core/mls/extensionsMembership';
import { newGroupExtensions, withGroupName, withMembership, withoutMember } from '../../../src/core/mls/groupContext';
import { createXmtpKeyPackage, type XmtpKeyPackage } from '../../../src/core/mls/keyPackage';
import type { IdentityStateAt } from '../../../src/core/mls/membershipDiff';
import { planMembershipUpdate } from '../../../src/core/mls/membershipDiffPlan';
import { validateCommit, type ValidateCommitInput, type ValidatedCommit } from '../../../src/core/mls/validateCommit';
import { commitRecorder, commitValidationInput, xmtpLeaves } from '../../../src/core/mls/validateCommitInput';
import { signedUpdate, T0, wallet } from '../identity/helpers';

/**
 * Incoming-commit validation against real ts-mls commits between members with real XMTP
 * identities: each inbox's identity log is signed and replayed with src/core/identity, each
 * member's leaf comes from createXmtpKeyPackage. The groups follow libxmtp: the creator starts
 * at sequence id 0, members join by Add + membership commits.
 */

const SECOND = 1_000_000_000n;

/** A stand-in for the network's identity API: per-inbox logs with global sequence ids. */
class IdentityNetwork {
  private sequence = 100n;
  private clock = 0n;
  private readonly logs = new Map<string, { sequenceId: bigint; state: AssociationState }[]>();

  /** Client timestamps a second apart, so that every signature text differs. */
  now(): bigint {
    this.clock += 1n;
    return T0 + this.clock * SECOND;
  }

  async publish(update: IdentityUpdate): Promise<bigint> {
    const log = this.logs.get(update.inboxId) ?? [];
    const { state } = await applyIdentityUpdate(log.at(-1)?.state, update);
    this.sequence += 1n;
    log.push({ sequenceId: this.sequence, state });
    this.logs.set(update.inboxId, log);
    return this.sequence;
  }

  latest(inboxId: string): bigint {
    const last = this.logs.get(inboxId)?.at(-1);
    if (last === undefined) throw new Error(`no identity log for ${inboxId}`);
    return last.sequenceId;
  }

  readonly identityStateAt: IdentityStateAt = (inboxId, sequenceId) =>
    Promise.resolve(this.logs.get(inboxId)?.find((entry) => entry.sequenceId === sequenceId)?.state);
}

interface Installation {
  signer: InstallationSigner;
  keyPackage: XmtpKeyPackage;
}

interface User {
  wallet: WalletSigner;
  inboxId: string;
  installations: Installation[];
}

async function newInstallation(inboxId: string): Promise<Installation> {
  const privateKey = ed25519.utils.randomSecretKey();
  const signer = installationKeySigner(privateKey);
  const keyPackage = await createXmtpKeyPackage({ inboxId, installationKey: { privateKey, publicKey: signer.publicKey }, now: new Date() });
  return { signer, keyPackage };
}

async function addInstallation(net: IdentityNetwork, user: User): Promise<Installation> {
  const installation = await newInstallation(user.inboxId);
  const owner = ethereumIdentifier(user.wallet.identifier);
  await net.publish(
    await signedUpdate(new IdentityUpdateBuilder(user.inboxId, net.now()).addAssociation(signerMember(installation.signer), owner), [
      user.wallet,
      installation.signer,
    ]),
  );
  user.installations.push(installation);
  return installation;
}

async function newUser(net: IdentityNetwork, n: number, installations = 1): Promise<User> {
  const signer = wallet(n);
  const inboxId = inboxIdFor(signer.identifier);
  const owner = ethereumIdentifier(signer.identifier);
  const first = await newInstallation(inboxId);
  await net.publish(
    await signedUpdate(new IdentityUpdateBuilder(inboxId, net.now()).createInbox(owner).addAssociation(signerMember(first.signer), owner), [
      signer,
      first.signer,
    ]),
  );
  const user: User = { wallet: signer, inboxId, installations: [first] };
  for (let i = 1; i < installations; i++) await addInstallation(net, user);
  return user;
}

async function revoke(net: IdentityNetwork, user: User, installation: Installation): Promise<bigint> {
  const owner = ethereumIdentifier(user.wallet.identifier);
  return net.publish(
    await signedUpdate(new IdentityUpdateBuilder(user.inboxId, net.now()).revokeAssociation(owner, signerMember(installation.signer)), [user.wallet]),
  );
}

let cs: CiphersuiteImpl;

const add = (installation: Installation): Proposal => ({ proposalType: 'add', add: { keyPackage: installation.keyPackage.keyPackage } });
const remove = (leafIndex: number): Proposal => ({ proposalType: 'remove', remove: { removed: leafIndex } });
const gce = (extensions: Extension[]): Proposal => ({ proposalType: 'group_context_extensions', groupContextExtensions: { extensions } });
const hex = (key: Uint8Array): string => bytesToHex(key);
const hexes = (keys: readonly Uint8Array[]): string[] => keys.map(hex).sort();

interface Committed {
  state: ClientState;
  message: MLSMessage;
  welcome: Welcome | undefined;
}

async function commit(state: ClientState, proposals: Proposal[]): Promise<Committed> {
  const result = await createCommit({ state, cipherSuite: cs }, { extraProposals: proposals, ratchetTreeExtension: true });
  return { state: result.newState, message: result.commit, welcome: result.welcome };
}

async function join(welcome: Welcome | undefined, installation: Installation): Promise<ClientState> {
  if (welcome === undefined) throw new Error('an Add commit has a welcome');
  return joinGroup(welcome, installation.keyPackage.keyPackage, installation.keyPackage.privatePackage, emptyPskIndex, cs);
}

function leafOf(state: ClientState, installation: Installation): number {
  const leaf = xmtpLeaves(state.ratchetTree).find((l) => hex(l.installationKey) === hex(installation.signer.publicKey));
  if (leaf === undefined) throw new Error('installation has no leaf');
  return leaf.leafIndex;
}

/**
 * A membership commit as the client builds one: plan the new 0xff01 map, Add every installation
 * it implies (key packages from `directory`, standing in for FetchKeyPackages), Remove every
 * leaf it takes out.
 */
async function membershipCommit(
  state: ClientState,
  committer: Installation,
  net: IdentityNetwork,
  directory: readonly User[],
  change: { add?: readonly User[]; remove?: readonly User[] },
): Promise<Committed> {
  const plan = await planMembershipUpdate({
    membership: membershipOf(state.groupContext.extensions),
    latestSequenceIds: new Map((change.add ?? []).map((u) => [u.inboxId, net.latest(u.inboxId)])),
    removeInboxes: (change.remove ?? []).map((u) => u.inboxId),
    ownInstallationKey: committer.signer.publicKey,
    identityStateAt: net.identityStateAt,
  });
  const byKey = new Map(directory.flatMap((u) => u.installations).map((i) => [hex(i.signer.publicKey), i]));
  const adds = plan.installationsToAdd.map((key) => {
    const installation = byKey.get(hex(key));
    if (installation === undefined) throw new Error('no key package for an implied installation');
    return add(installation);
  });
  const removes = xmtpLeaves(state.ratchetTree)
    .filter((leaf) => plan.installationsToRemove.some((key) => hex(key) === hex(leaf.installationKey)))
    .map((leaf) => remove(leaf.leafIndex));
  return commit(state, [...adds, ...removes, gce(replaceExtension(state.groupContext.extensions, membershipExtension(plan.membership)))]);
}

interface Inspected {
  state: ClientState;
  validated?: ValidatedCommit;
  rejected?: ParleyError;
}

/**
 * Process a commit with a recording callback, then validate; the new state is only taken when
 * validation passes. (The table tests branch many commits from one base state, so this one
 * neither persists nor wipes; see the wiring test for the full client pattern.)
 */
async function inspect(
  state: ClientState,
  message: MLSMessage,
  identityStateAt: IdentityStateAt,
  options: Pick<ValidateCommitInput, 'missingInstallations'> = {},
): Promise<Inspected> {
  if (message.wireformat !== 'mls_private_message') throw new Error('XMTP sends every commit as a PrivateMessage');
  const recorder = commitRecorder();
  const result = await processPrivateMessage(state, message.privateMessage, emptyPskIndex, cs, recorder.callback);
  const seen = recorder.commit();
  if (seen === undefined) throw new Error('expected a commit');
  try {
    const validated = await validateCommit({ ...commitValidationInput(state, seen, result.newState), identityStateAt, ...options });
    return { state: result.newState, validated };
  } catch (e) {
    if (!isParleyError(e)) throw e;
    return { state, rejected: e };
  }
}

describe('validateCommit with real ts-mls commits and identity logs', () => {
  const net = new IdentityNetwork();
  let alice: User;
  let bob: User;
  let carol: User;
  let dave: User;
  let everyone: User[];
  /** Alice created the group and added Bob and Carol (two installations); all at the same epoch. */
  let aliceState: ClientState;
  let bobState: ClientState;
  let carolState: ClientState;

  const a1 = (): Installation => alice.installations[0] as Installation;
  const c1 = (): Installation => carol.installations[0] as Installation;
  const c2 = (): Installation => carol.installations[1] as Installation;
  const d1 = (): Installation => dave.installations[0] as Installation;
  const extensionsOf = (state: ClientState): Extension[] => state.groupContext.extensions;

  beforeAll(async () => {
    cs = await getXmtpCiphersuiteImpl();
    alice = await newUser(net, 51);
    bob = await newUser(net, 52);
    carol = await newUser(net, 53, 2);
    dave = await newUser(net, 54);
    everyone = [alice, bob, carol, dave];
    const created = await createGroup(
      crypto.getRandomValues(new Uint8Array(16)),
      a1().keyPackage.keyPackage,
      a1().keyPackage.privatePackage,
      newGroupExtensions({ creatorInboxId: alice.inboxId, creatorSequenceId: 0n }),
      cs,
    );
    const founded = await membershipCommit(created, a1(), net, everyone, { add: [alice, bob, carol] });
    aliceState = founded.state;
    bobState = await join(founded.welcome, bob.installations[0] as Installation);
    carolState = await join(founded.welcome, c1());
    expect(membershipOf(extensionsOf(bobState)).members).toEqual(
      new Map([
        [alice.inboxId, net.latest(alice.inboxId)],
        [bob.inboxId, net.latest(bob.inboxId)],
        [carol.inboxId, net.latest(carol.inboxId)],
      ]),
    );
    expect(xmtpLeaves(bobState.ratchetTree)).toHaveLength(4);
  });

  describe('accepts', () => {
    it('a valid add: Alice adds Dave’s installation with his inbox at its latest sequence id', async () => {
      const { message } = await membershipCommit(aliceState, a1(), net, everyone, { add: [dave] });
      const { validated, rejected, state } = await inspect(bobState, message, net.identityStateAt);
      expect(rejected).toBeUndefined();
      expect(validated).toMatchObject({
        addedInboxes: [dave.inboxId],
        removedInboxes: [],
        actor: { inboxId: alice.inboxId, isSuperAdmin: true },
        changes: { initiatedByInboxId: alice.inboxId, addedInboxes: [{ inboxId: dave.inboxId }], removedInboxes: [], metadataFieldChanges: [] },
        isEmpty: false,
      });
      expect(hexes(validated?.installationsAdded ?? [])).toEqual([hex(d1().signer.publicKey)]);
      expect(state.groupContext.epoch).toBe(bobState.groupContext.epoch + 1n);
    });

    it('a valid remove: Alice (super admin) removes both of Carol’s leaves and her inbox', async () => {
      const { message } = await membershipCommit(aliceState, a1(), net, everyone, { remove: [carol] });
      const { validated, rejected } = await inspect(bobState, message, net.identityStateAt);
      expect(rejected).toBeUndefined();
      expect(validated?.removedInboxes).toEqual([carol.inboxId]);
      expect(validated?.changes.removedInboxes).toEqual([{ inboxId: carol.inboxId }]);
      expect(hexes(validated?.installationsRemoved ?? [])).toEqual(hexes([c1().signer.publicKey, c2().signer.publicKey]));
    });

    it('a rename by a member who is no admin, under the default policy', async () => {
      const { message } = await commit(bobState, [gce(withGroupName(extensionsOf(bobState), 'Dinner club'))]);
      const { validated, rejected } = await inspect(aliceState, message, net.identityStateAt);
      expect(rejected).toBeUndefined();
      expect(validated?.actor).toMatchObject({ inboxId: bob.inboxId, isAdmin: false, isSuperAdmin: false });
      expect(validated?.changes).toMatchObject({
        initiatedByInboxId: bob.inboxId,
        metadataFieldChanges: [{ fieldName: 'group_name', oldValue: '', newValue: 'Dinner club' }],
      });
    });

    it('a revoked installation’s removal with its inbox’s new sequence id (no visible change)', async () => {
      const sequenceId = await revoke(net, carol, c2());
      const { message } = await commit(aliceState, [remove(leafOf(aliceState, c2())), gce(withMembership(extensionsOf(aliceState), carol.inboxId, sequenceId))]);
      const { validated, rejected } = await inspect(bobState, message, net.identityStateAt);
      expect(rejected).toBeUndefined();
      expect(validated?.updatedInboxes).toEqual([carol.inboxId]);
      expect(hexes(validated?.installationsRemoved ?? [])).toEqual([hex(c2().signer.publicKey)]);
      expect(validated?.isEmpty).toBe(true);
    });

    it('a membership bump without its Add only when asked to follow libxmtp’s rule 7', async () => {
      const { message } = await commit(aliceState, [gce(withMembership(extensionsOf(aliceState), dave.inboxId, net.latest(dave.inboxId)))]);
      const { validated, rejected } = await inspect(bobState, message, net.identityStateAt, { missingInstallations: 'allow' });
      expect(rejected).toBeUndefined();
      expect(hexes(validated?.missingInstallations ?? [])).toEqual([hex(d1().signer.publicKey)]);
    });
  });

  interface RejectionCase {
    name: string;
    code: ErrorCode;
    /** What the error must say, so that each case fails for its own reason. */
    because: RegExp;
    /** Who commits and who checks: 'alice' commits to Bob, 'bob' to Alice, 'alice→carol' to Carol. */
    route: 'alice' | 'bob' | 'alice→carol';
    proposals: () => Promise<Proposal[]>;
  }

  const rejections: RejectionCase[] = [
    {
      name: 'an added installation that is not in its inbox’s identity log',
      code: 'Mls.CommitUnexpectedInstallation',
      because: /is not in inbox .* at sequence id/,
      route: 'alice',
      proposals: async () => {
        const impostor = await newInstallation(dave.inboxId);
        return [add(impostor), add(d1()), gce(withMembership(extensionsOf(aliceState), dave.inboxId, net.latest(dave.inboxId)))];
      },
    },
    {
      name: 'an Add whose inbox is not in the new membership',
      code: 'Mls.CommitAddNotInMembership',
      because: /membership does not list/,
      route: 'alice',
      proposals: () => Promise.resolve([add(d1())]),
    },
    {
      name: 'a membership bumped without the matching Add',
      code: 'Mls.CommitMissingInstallation',
      because: /neither adds nor lists as failed/,
      route: 'alice',
      proposals: () => Promise.resolve([gce(withMembership(extensionsOf(aliceState), dave.inboxId, net.latest(dave.inboxId)))]),
    },
    {
      name: 'removing an inbox but leaving one of its leaves',
      code: 'Mls.CommitIncompleteRemoval',
      because: /of removed inboxes or revoked keys stay/,
      route: 'alice',
      proposals: () => Promise.resolve([remove(leafOf(aliceState, c1())), gce(withoutMember(extensionsOf(aliceState), carol.inboxId))]),
    },
    {
      name: 'removing a leaf the membership change does not explain',
      code: 'Mls.CommitUnexpectedRemoval',
      because: /does not imply/,
      route: 'alice→carol',
      proposals: () => Promise.resolve([remove(leafOf(aliceState, bob.installations[0] as Installation))]),
    },
    {
      name: 'a member who is no admin removing a member under the default policy',
      code: 'Mls.PolicyDenied',
      because: /removeMember/,
      route: 'bob',
      proposals: () =>
        Promise.resolve([
          remove(leafOf(bobState, c1())),
          remove(leafOf(bobState, c2())),
          gce(withoutMember(extensionsOf(bobState), carol.inboxId)),
        ]),
    },
    {
      name: 'changing the immutable metadata',
      code: 'Mls.InvalidGroupContextChange',
      because: /immutable group metadata/,
      route: 'alice',
      proposals: () =>
        Promise.resolve([
          gce(replaceExtension(extensionsOf(aliceState), groupMetadataExtension({ conversationType: 'group', creatorInboxId: bob.inboxId }))),
        ]),
    },
    {
      name: 'moving a member’s identity sequence id back',
      code: 'Mls.InvalidGroupContextChange',
      because: /sequence id went back/,
      route: 'alice',
      proposals: () => {
        const membership = membershipOf(extensionsOf(aliceState));
        const members = new Map(membership.members).set(bob.inboxId, 1n);
        return Promise.resolve([gce(replaceExtension(extensionsOf(aliceState), membershipExtension({ ...membership, members })))]);
      },
    },
  ];

  describe('rejects', () => {
    it.each(rejections)('$name ($code)', async ({ code, because, route, proposals }) => {
      const [committer, receiver] =
        route === 'alice' ? [aliceState, bobState] : route === 'bob' ? [bobState, aliceState] : [aliceState, carolState];
      const { message } = await commit(committer, await proposals());
      const inspected = await inspect(receiver, message, net.identityStateAt);
      expect(inspected.validated).toBeUndefined();
      expect(inspected.rejected?.code).toBe(code);
      expect(inspected.rejected?.message).toMatch(because);
      // The receiver keeps the state it had: nothing moved.
      expect(inspected.state).toBe(receiver);
    });

    it('a commit from an installation its inbox does not hold (Mls.CommitActorNotInInbox)', async () => {
      // A leaf that claims Bob's inbox with a key Bob never registered, let in by a careless creator.
      const rogue = await newInstallation(bob.inboxId);
      const created = await createGroup(
        crypto.getRandomValues(new Uint8Array(16)),
        a1().keyPackage.keyPackage,
        a1().keyPackage.privatePackage,
        newGroupExtensions({ creatorInboxId: alice.inboxId, creatorSequenceId: net.latest(alice.inboxId) }),
        cs,
      );
      const letIn = await commit(created, [add(rogue), gce(withMembership(extensionsOf(created), bob.inboxId, net.latest(bob.inboxId)))]);
      const rogueState = await join(letIn.welcome, rogue);
      const { message } = await commit(rogueState, [gce(withGroupName(extensionsOf(rogueState), 'mine now'))]);
      const inspected = await inspect(letIn.state, message, net.identityStateAt);
      expect(inspected.rejected?.code).toBe('Mls.CommitActorNotInInbox');
      expect(inspected.rejected?.message).toMatch(/InboxValidationFailed/);
    });

    it('a commit of another member’s proposal (one actor per commit, libxmtp MultipleActors)', async () => {
      const proposed = await createProposal(bobState, false, gce(withGroupName(extensionsOf(bobState), 'from Bob')), cs);
      if (proposed.message.wireformat !== 'mls_private_message') throw new Error('expected a PrivateMessage');
      const aliceHas = await processPrivateMessage(aliceState, proposed.message.privateMessage, emptyPskIndex, cs, acceptAll);
      const carolHas = await processPrivateMessage(carolState, proposed.message.privateMessage, emptyPskIndex, cs, commitRecorder().callback);
      // Alice's commit carries Bob's proposal by reference.
      const { message } = await commit(aliceHas.newState, []);
      const inspected = await inspect(carolHas.newState, message, net.identityStateAt);
      expect(inspected.rejected?.code).toBe('Mls.CommitInvalid');
      expect(inspected.rejected?.message).toMatch(/MultipleActors/);
    });
  });

  it('waits rather than rejects when an identity state cannot be had yet (Mls.IdentityStateMissing)', async () => {
    const { message } = await membershipCommit(aliceState, a1(), net, everyone, { add: [dave] });
    const offline: IdentityStateAt = (inboxId, sequenceId) =>
      inboxId === dave.inboxId ? Promise.resolve(undefined) : net.identityStateAt(inboxId, sequenceId);
    const inspected = await inspect(bobState, message, offline);
    expect(inspected.rejected?.code).toBe('Mls.IdentityStateMissing');

    const outage = new Error('node unreachable');
    const failing: IdentityStateAt = (inboxId, sequenceId) =>
      inboxId === dave.inboxId ? Promise.reject(outage) : net.identityStateAt(inboxId, sequenceId);
    const failed = await inspect(bobState, message, failing);
    expect(failed.rejected?.code).toBe('Mls.IdentityStateMissing');
    expect(failed.rejected?.cause).toBe(outage);
  });
});

describe('the client’s wiring with ts-mls (a pattern to copy)', () => {
  /**
   * What the client does with each incoming commit: ts-mls's callback only records (it must
   * answer synchronously), validation runs afterwards, and the new state is persisted, and the
   * secrets ts-mls hands back wiped, only when the commit passes. A rejected commit leaves the
   * old state whole, so its secrets must not be wiped.
   */
  async function applyIncomingCommit(
    state: ClientState,
    message: MLSMessage,
    identityStateAt: IdentityStateAt,
    persist: (state: ClientState, validated: ValidatedCommit) => void,
  ): Promise<ClientState> {
    if (message.wireformat !== 'mls_private_message') throw new Error('XMTP sends every commit as a PrivateMessage');
    const recorder = commitRecorder();
    const result = await processPrivateMessage(state, message.privateMessage, emptyPskIndex, cs, recorder.callback);
    const seen = recorder.commit();
    if (seen === undefined) throw new Error('expected a commit');
    const validated = await validateCommit({ ...commitValidationInput(state, seen, result.newState), identityStateAt });
    persist(result.newState, validated);
    for (const secret of result.consumed) zeroOutUint8Array(secret);
    return result.newState;
  }

  it('keeps Bob’s state through Alice’s invalid commit and applies her next valid one', async () => {
    cs = await getXmtpCiphersuiteImpl();
    const net = new IdentityNetwork();
    const alice = await newUser(net, 61);
    const bob = await newUser(net, 62);
    const a1 = alice.installations[0] as Installation;
    const created = await createGroup(
      crypto.getRandomValues(new Uint8Array(16)),
      a1.keyPackage.keyPackage,
      a1.keyPackage.privatePackage,
      newGroupExtensions({ creatorInboxId: alice.inboxId, creatorSequenceId: 0n }),
      cs,
    );
    const founded = await membershipCommit(created, a1, net, [alice, bob], { add: [alice, bob] });
    const bobAtStart = await join(founded.welcome, bob.installations[0] as Installation);
    const persisted: { state: ClientState; validated: ValidatedCommit }[] = [];
    const persist = (state: ClientState, validated: ValidatedCommit) => persisted.push({ state, validated });

    // Alice kicks Bob's leaf out without touching the membership: ts-mls alone would drop Bob.
    const kick = await commit(founded.state, [remove(leafOf(founded.state, bob.installations[0] as Installation))]);
    let bobState = bobAtStart;
    await expect(applyIncomingCommit(bobState, kick.message, net.identityStateAt, persist)).rejects.toMatchObject({
      code: 'Mls.CommitUnexpectedRemoval',
    });
    expect(persisted).toHaveLength(0);
    // Nothing was consumed: the same message still decrypts and fails the same way.
    await expect(applyIncomingCommit(bobState, kick.message, net.identityStateAt, persist)).rejects.toMatchObject({
      code: 'Mls.CommitUnexpectedRemoval',
    });

    const rename = await commit(founded.state, [gce(withGroupName(founded.state.groupContext.extensions, 'Plans'))]);
    bobState = await applyIncomingCommit(bobState, rename.message, net.identityStateAt, persist);
    expect(persisted).toHaveLength(1);
    expect(persisted[0]?.validated.changes.metadataFieldChanges).toEqual([{ fieldName: 'group_name', oldValue: '', newValue: 'Plans' }]);
    expect(bobState.groupContext.epoch).toBe(rename.state.groupContext.epoch);
    expect(bobState.keySchedule.epochAuthenticator).toEqual(rename.state.keySchedule.epochAuthenticator);
    expect(bobState.groupActiveState.kind).toBe('active');
  });
});
