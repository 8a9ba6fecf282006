import Long from 'long';
import { createCommit, encodeMlsMessage } from 'ts-mls';
import type { ClientState, KeyPackage, Proposal } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group } from '../../../src/core/client';
import { loadGroupState } from '../../../src/core/client/groupState';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { withMembership } from '../../../src/core/mls/groupContext';
import { validateXmtpKeyPackage } from '../../../src/core/mls/keyPackageValidate';
import { wrapWelcome, WELCOME_WRAPPER_ALGORITHM_CURVE25519 } from '../../../src/core/mls/welcome';
import { encodeWelcomeMetadata } from '../../../src/core/mls/welcomeMetadata';
import { customKeyPackageTls, newInstallationKey } from '../mls/keyPackageTestKit';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

function decodeKp(tls: Uint8Array): KeyPackage {
  const decoded = decodeKeyPackage(tls, 0);
  if (decoded === undefined) throw new Error('key package does not decode');
  return decoded[0];
}

/** Alice's current MLS state, as a hostile client holding her keys would have it (no credential checks). */
async function hostileState(user: TestUser, groupId: string): Promise<ClientState> {
  const loaded = await loadGroupState(user.store, groupId);
  if (loaded === undefined) throw new Error('no state');
  return { ...loaded.state, clientConfig: defaultClientConfig };
}

async function latestSequenceId(network: TestNetwork, inboxId: string): Promise<bigint> {
  const r = await network.api().getIdentityUpdates({ requests: [{ inboxId, sequenceId: Long.UZERO }] });
  const updates = r.responses[0]?.updates ?? [];
  return BigInt(updates[updates.length - 1]?.sequenceId.toString() ?? '0');
}

describe('hostile input', () => {
  let network: TestNetwork;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let group: Group;
  let bobGroup: Group;

  beforeAll(async () => {
    network = await startTestNetwork();
    [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    group = await alice.client.conversations.createGroup([bob.address]);
    await bob.client.conversations.sync();
    bobGroup = (await bob.client.conversations.getConversationById(group.id)) as Group;
    await bobGroup.sync();
    // Bob self-updated on joining: Alice's hostile commits must be built on that epoch to be judged at all.
    await group.sync();
  });
  afterAll(async () => {
    await network.stop();
  });

  async function publishHostileCommit(proposals: Proposal[]): Promise<void> {
    const cs = await getXmtpCiphersuiteImpl();
    const { commit } = await createCommit({ state: await hostileState(alice, group.id), cipherSuite: cs }, { extraProposals: proposals, ratchetTreeExtension: true });
    await network.api().sendGroupMessages({ messages: [{ v1: { data: encodeMlsMessage(commit), senderHmac: new Uint8Array(), shouldPush: false } }] });
  }

  async function expectRejectedByBob(code: string): Promise<void> {
    const epoch = bobGroup.epoch;
    const shown = (await bobGroup.messages()).length;
    await bobGroup.sync();
    // Refused for diagnostics only: no message, no new epoch.
    const last = bobGroup.refusedMessages.at(-1);
    expect(last?.error.code).toBe(code);
    expect(last?.kind).toBe('membershipChange');
    expect((await bobGroup.messages()).length).toBe(shown);
    expect(bobGroup.epoch).toBe(epoch);
    // Bob and (honest) Alice still share the epoch: a new message reads fine.
    await group.sync();
    const text = `still fine after ${code}`;
    await group.sendText(text);
    await bobGroup.sync();
    expect(texts(await bobGroup.messages()).at(-1)).toBe(text);
  }

  it('rejects a commit that adds an installation not in the identity log (Mls.CommitUnexpectedInstallation)', async () => {
    const state = await hostileState(alice, group.id);
    // A key package that names Carol's inbox, signed by a key Carol never registered.
    const forged = decodeKp(await customKeyPackageTls({ inboxId: carol.client.inboxId, installationKey: newInstallationKey() }, new Date()));
    const sequenceId = await latestSequenceId(network, carol.client.inboxId);
    await publishHostileCommit([
      { proposalType: 'add', add: { keyPackage: forged } },
      { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: withMembership(state.groupContext.extensions, carol.client.inboxId, sequenceId) } },
    ]);
    await expectRejectedByBob('Mls.CommitUnexpectedInstallation');
  });

  it('rejects a commit adding a leaf whose credential is not an XMTP credential (Mls.InvalidCommit)', async () => {
    const state = await hostileState(alice, group.id);
    const forged = decodeKp(
      await customKeyPackageTls({ credential: { credentialType: 'basic', identity: new TextEncoder().encode('i am nobody') } }, new Date()),
    );
    await publishHostileCommit([
      { proposalType: 'add', add: { keyPackage: forged } },
      { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: state.groupContext.extensions } },
    ]);
    await expectRejectedByBob('Mls.InvalidCommit');
  });

  it('rejects a commit whose credential claims an existing member with a foreign key (Mls.CommitUnexpectedInstallation)', async () => {
    const state = await hostileState(alice, group.id);
    const forged = decodeKp(await customKeyPackageTls({ inboxId: bob.client.inboxId, installationKey: newInstallationKey() }, new Date()));
    await publishHostileCommit([
      { proposalType: 'add', add: { keyPackage: forged } },
      { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: state.groupContext.extensions } },
    ]);
    await expectRejectedByBob('Mls.CommitUnexpectedInstallation');
  });

  it('refuses a welcome whose group secrets are for another installation (Mls.InvalidWelcome)', async () => {
    const cs = await getXmtpCiphersuiteImpl();
    const state = await hostileState(alice, group.id);
    const fetched = await network.api().fetchKeyPackages({
      installationKeys: [Buffer.from(carol.client.installationId, 'hex'), Buffer.from(bob.client.installationId, 'hex')],
    });
    const [carolTls, bobTls] = fetched.keyPackages.map((k) => new Uint8Array(k.keyPackageTlsSerialized));
    const carolKp = decodeKp(carolTls as Uint8Array);
    const bobKp = await validateXmtpKeyPackage(bobTls as Uint8Array, new Date());
    const { welcome } = await createCommit(
      { state, cipherSuite: cs },
      {
        extraProposals: [
          { proposalType: 'add', add: { keyPackage: carolKp } },
          { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: withMembership(state.groupContext.extensions, carol.client.inboxId, await latestSequenceId(network, carol.client.inboxId)) } },
        ],
        ratchetTreeExtension: true,
      },
    );
    if (welcome === undefined) throw new Error('an add gives a welcome');
    // Carol's welcome, re-wrapped to Bob's key package and addressed to Bob's installation.
    const wrapped = await wrapWelcome({
      welcomeTls: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome }),
      welcomeMetadata: encodeWelcomeMetadata(0n),
      recipientInitKey: bobKp.initKey,
    });
    const unknownKey = await wrapWelcome({ welcomeTls: new Uint8Array([1, 2, 3]), welcomeMetadata: new Uint8Array(), recipientInitKey: new Uint8Array(32).fill(9) });
    await network.api().sendWelcomeMessages({
      messages: [wrapped, unknownKey].map((w) => ({
        v1: { installationKey: Buffer.from(bob.client.installationId, 'hex'), data: w.data, hpkePublicKey: w.hpkePublicKey, wrapperAlgorithm: WELCOME_WRAPPER_ALGORITHM_CURVE25519, welcomeMetadata: w.welcomeMetadata },
      })),
    });
    const before = (await bob.client.conversations.list()).length;
    const errorsBefore = bob.client.errors.length;
    expect(await bob.client.conversations.sync()).toEqual([]);
    expect((await bob.client.conversations.list()).length).toBe(before);
    const codes = bob.client.errors.slice(errorsBefore).map((e) => (e as { code?: string }).code);
    expect(codes).toEqual(['Mls.InvalidWelcome', 'Mls.InvalidWelcome']);
  });
});

describe('unreadable messages', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('keeps a message that cannot be decrypted out of the conversation, records it for diagnostics, and goes on', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const dm = await alice.client.conversations.createDm(bob.address);
    await dm.sendText('readable');
    // A copy of Alice's last message with its ciphertext damaged: the framing still parses.
    const onNode = await network.api().queryGroupMessages({ groupId: Buffer.from(dm.id, 'hex'), pagingInfo: undefined });
    const original = onNode.messages[0]?.v1?.data;
    if (original === undefined) throw new Error('no message');
    const damaged = new Uint8Array(original);
    damaged.set([(damaged.at(-5) ?? 0) ^ 0xff], damaged.length - 5);
    await network.api().sendGroupMessages({ messages: [{ v1: { data: damaged, senderHmac: new Uint8Array(), shouldPush: false } }] });
    await dm.sendText('still readable');

    await bob.client.conversations.sync();
    const bobDm = await bob.client.conversations.getConversationById(dm.id);
    await bobDm?.sync();
    const messages = (await bobDm?.messages()) ?? [];
    expect(texts(messages)).toEqual(['readable', 'still readable']);
    expect(messages.filter((m) => m.error !== undefined)).toEqual([]);
    expect(bobDm?.refusedMessages.map((m) => [m.kind, m.error.code, m.senderInboxId])).toEqual([['application', 'Mls.DecryptFailed', undefined]]);
  });
});
