import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import { Client, createMemoryStore, type DecodedMessage, type Dm, type Group } from '../../src/core/client';
import type { GroupUpdatedContent } from '../../src/core/content';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { richMessages, sendReaction, sendReply, type PeerReaction, type PeerReply, type RichMessageInfo } from './clientPeerCommands';
import { eventually } from './eventually';
import { ParleyNode } from './parleyNode';
import type { ConversationInfo, MessageInfo } from './peer';
import { startSdkMember as startSdkMemberAt, type SdkMember } from './sdkMember';
import { repoRoot, requireInteropEnv } from './testEnv';

// Issue 4, "Must show": Parley's client engine (src/core/client, in this process, over
// gRPC-web) and unmodified @xmtp/node-sdk 6.0.0 clients (libxmtp 1.10.0, over native gRPC)
// on one parley-node (SQLite, a separate process). The tests are one story and run in order:
// alice is Parley, bob and carol are node-sdk.

const STEP_TIMEOUT_MS = 300_000;
const SETTLE_MS = 90_000;
const POLL_MS = 500;

const TEXT = 'xmtp.org/text:1.0';
const REACTION = 'xmtp.org/reaction:2.0';
const REPLY = 'xmtp.org/reply:1.0';
const GROUP_UPDATED = 'xmtp.org/group_updated:1.0';

/** node-sdk's GroupUpdated as the driver returns it. */
interface SdkGroupUpdated {
  initiatedByInboxId: string;
  addedInboxes: { inboxId: string }[];
  removedInboxes: { inboxId: string }[];
  metadataFieldChanges: { fieldName: string; oldValue?: string; newValue?: string }[];
}

interface ParleyMember {
  name: string;
  address: string;
  client: Client;
}

describe('Parley client and node-sdk 6.0.0 clients on parley-node (SQLite)', () => {
  let workDir: string;
  let node: ParleyNode;
  const peers: SdkMember[] = [];
  let alice: ParleyMember;
  let bob: SdkMember;
  let carol: SdkMember;
  /** The group bob made and removed alice from. */
  let sdkGroupId: string;

  async function startSdkMember(name: string): Promise<SdkMember> {
    const member = await startSdkMemberAt(name, { apiUrl: node.apiUrl, workDir });
    peers.push(member);
    return member;
  }

  async function startParleyMember(name: string): Promise<ParleyMember> {
    const signer = privateKeySigner(generateWalletPrivateKey());
    const client = await Client.create(signer, { apiUrl: node.webUrl, store: createMemoryStore() });
    return { name, address: signer.identifier, client };
  }

  /** The wrapper algorithm of every welcome the node holds for an installation (1 Curve25519, 2 X-Wing). */
  async function welcomeWrappers(installationId: string): Promise<number[]> {
    const response = await createGrpcWebApi({ url: node.webUrl }).queryWelcomeMessages({
      installationKey: Buffer.from(installationId, 'hex'),
      pagingInfo: undefined,
    });
    return response.messages.map((m) => m.v1?.wrapperAlgorithm ?? -1);
  }

  /** What the node-sdk side and the node saw, for failure messages. */
  async function describeState(...who: SdkMember[]): Promise<string> {
    const parts = await Promise.all(who.map(async (m) => {
      const conversations = await m.peer.conversations().catch((e: unknown) => String(e));
      return `${m.name}: ${JSON.stringify(conversations)}\n--- ${m.name} log (tail) ---\n${m.peer.logTail(30)}`;
    }));
    const parleyErrors = alice ? alice.client.errors.map(String).join('\n') : '';
    return `${parts.join('\n')}\nalice (Parley) background errors: ${parleyErrors || 'none'}\n--- parley-node log (tail) ---\n${node.logTail(40)}`;
  }

  /** Syncs a node-sdk member until `probe` finds what it waits for in its copy of the conversation. */
  function untilSdk<T>(member: SdkMember, what: string, probe: () => Promise<T | undefined>): Promise<T> {
    return eventually(
      `${member.name} (node-sdk) ${what}`,
      async () => {
        await member.peer.syncAll();
        return probe();
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: () => describeState(member) },
    );
  }

  function untilSdkText(member: SdkMember, conversationId: string, text: string): Promise<MessageInfo> {
    return untilSdk(member, `has "${text}"`, async () =>
      (await member.peer.messages(conversationId).catch((): MessageInfo[] => [])).find((m) => m.contentType === TEXT && m.content === text),
    );
  }

  function untilSdkMessage(member: SdkMember, conversationId: string, id: string): Promise<RichMessageInfo> {
    return untilSdk(member, `has message ${id}`, async () =>
      (await richMessages(member.peer, conversationId).catch((): RichMessageInfo[] => [])).find((m) => m.id === id),
    );
  }

  /** Syncs alice's copy of a conversation until `probe` finds what it waits for. */
  function untilParley<T>(conversation: Dm | Group, what: string, probe: (messages: DecodedMessage[]) => T | undefined): Promise<T> {
    return eventually(
      `alice (Parley) ${what}`,
      async () => {
        await conversation.sync();
        return probe(await conversation.messages());
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: () => describeState(bob, carol) },
    );
  }

  function untilParleyText(conversation: Dm | Group, text: string): Promise<DecodedMessage> {
    return untilParley(conversation, `has "${text}"`, (messages) =>
      messages.find((m) => m.content?.type === 'text' && m.content.text === text),
    );
  }

  /** Alice joins a conversation a node-sdk member made, from its welcome. */
  function untilParleyJoined(conversationId: string): Promise<Dm | Group> {
    return eventually(
      `alice (Parley) joins ${conversationId} from its welcome`,
      async () => {
        await alice.client.conversations.sync();
        return alice.client.conversations.getConversationById(conversationId);
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: () => describeState(bob, carol) },
    );
  }

  function untilSdkJoined(member: SdkMember, conversationId: string): Promise<ConversationInfo> {
    return untilSdk(member, `joins ${conversationId}`, async () =>
      (await member.peer.conversations()).find((c) => c.id === conversationId),
    );
  }

  /** A node-sdk member's group_updated messages after it joined, summarised (libxmtp GroupUpdated). */
  async function sdkGroupUpdates(member: SdkMember, conversationId: string): Promise<{ initiatedBy: string; added: string[]; removed: string[]; fields: string[] }[]> {
    const messages = await member.peer.messages(conversationId);
    return messages
      .filter((m) => m.contentType === GROUP_UPDATED)
      .map((m) => m.content as SdkGroupUpdated)
      // The first is the member's own joining (added by the welcome's sender).
      .filter((u) => !u.addedInboxes.some((i) => i.inboxId === member.client.inboxId))
      .map((u) => ({
        initiatedBy: u.initiatedByInboxId,
        added: u.addedInboxes.map((i) => i.inboxId),
        removed: u.removedInboxes.map((i) => i.inboxId),
        fields: u.metadataFieldChanges.map((c) => c.fieldName),
      }));
  }

  function groupUpdates(messages: readonly DecodedMessage[]): GroupUpdatedContent[] {
    return messages.flatMap((m) => (m.content?.type === 'groupUpdated' ? [m.content] : []));
  }

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-client-interop-'));
    node = await ParleyNode.start({ logLevel: 'debug' });
  }, 120_000);

  afterEach((context) => {
    if (context.task.result?.state === 'fail' && node) {
      console.error(`--- parley-node log (tail) after "${context.task.name}" ---\n${node.logTail(120)}`);
    }
  });

  afterAll(async () => {
    // Logs for whoever debugs a failure: test-results/ is gitignored.
    const logDir = join(repoRoot, 'test-results/interop/client-parley-node-on-sqlite');
    await mkdir(logDir, { recursive: true });
    if (node) await writeFile(join(logDir, 'parley-node.log'), `${node.log.join('\n')}\n`);
    for (const m of peers) await writeFile(join(logDir, `${m.name}.log`), `${m.peer.log.join('\n')}\n`);
    if (alice) {
      await writeFile(join(logDir, 'alice-parley-errors.log'), `${alice.client.errors.map((e) => String(e)).join('\n')}\n`);
      alice.client.close();
    }
    await Promise.all(peers.map((m) => m.peer.kill()));
    if (node) await node.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  it('a Parley client and two node-sdk clients register and find each other', { timeout: STEP_TIMEOUT_MS }, async () => {
    [alice, bob, carol] = await Promise.all([startParleyMember('alice'), startSdkMember('bob'), startSdkMember('carol')]);
    expect(bob.client.isRegistered).toBe(true);
    expect(await bob.peer.inboxIdFor(alice.address)).toBe(alice.client.inboxId);
    expect(await bob.peer.canMessage([alice.address])).toEqual({ [alice.address]: true });
    const fromParley = await alice.client.canMessage([bob.identity.address, carol.identity.address]);
    expect(Object.fromEntries(fromParley)).toEqual({ [bob.identity.address]: true, [carol.identity.address]: true });
  });

  it('a Parley client DMs a node-sdk client; both read each other’s text, reactions and replies', { timeout: STEP_TIMEOUT_MS }, async () => {
    const dm = await alice.client.conversations.createDm(bob.identity.address);
    const helloId = await dm.sendText('hello bob, from Parley');

    const bobsDm = await untilSdk(bob, 'sees the DM alice made', async () =>
      (await bob.peer.conversations('dm')).find((c) => c.peerInboxId === alice.client.inboxId),
    );
    expect(bobsDm.id).toBe(dm.id);
    const hello = await untilSdkText(bob, dm.id, 'hello bob, from Parley');
    // Both sides derive the same message id (libxmtp calculate_message_id).
    expect(hello).toMatchObject({ id: helloId, senderInboxId: alice.client.inboxId, kind: 'application' });

    // bob answers with each content type.
    const hiId = await bob.peer.send(dm.id, 'hi alice, from node-sdk');
    const bobReactionId = await sendReaction(bob.peer, dm.id, { reference: helloId, referenceInboxId: alice.client.inboxId, content: '👍' });
    const bobReplyId = await sendReply(bob.peer, dm.id, { reference: helloId, referenceInboxId: alice.client.inboxId, text: 'a reply from node-sdk' });

    const fromBob = await untilParley(dm, 'has bob’s text, reaction and reply', (messages) => {
      const found = [hiId, bobReactionId, bobReplyId].map((id) => messages.find((m) => m.id === id));
      return found.every((m) => m !== undefined) ? found : undefined;
    });
    const [hi, bobReaction, bobReply] = fromBob;
    expect(hi).toMatchObject({ senderInboxId: bob.client.inboxId, contentType: TEXT, content: { type: 'text', text: 'hi alice, from node-sdk' } });
    expect(bobReaction).toMatchObject({
      senderInboxId: bob.client.inboxId,
      contentType: REACTION,
      content: { type: 'reaction', reference: helloId, referenceInboxId: alice.client.inboxId, action: 'added', schema: 'unicode', content: '👍' },
    });
    expect(bobReply).toMatchObject({
      senderInboxId: bob.client.inboxId,
      contentType: REPLY,
      content: { type: 'reply', reference: helloId, content: { type: 'text', text: 'a reply from node-sdk' } },
    });

    // alice answers bob's text with a reaction and a reply.
    const aliceReactionId = await dm.send({
      type: 'reaction',
      reference: hiId,
      referenceInboxId: bob.client.inboxId,
      action: 'added',
      schema: 'unicode',
      content: '❤️',
    });
    const aliceReplyId = await dm.send({ type: 'reply', reference: hiId, referenceInboxId: bob.client.inboxId, content: { type: 'text', text: 'a reply from Parley' } });

    const aliceReply = await untilSdkMessage(bob, dm.id, aliceReplyId);
    expect(aliceReply).toMatchObject({ senderInboxId: alice.client.inboxId, contentType: REPLY });
    const replyContent = aliceReply.content as PeerReply;
    expect(replyContent.referenceId).toBe(hiId);
    expect(replyContent.content).toBe('a reply from Parley');
    expect(replyContent.inReplyTo).toMatchObject({ id: hiId, content: 'hi alice, from node-sdk' });

    // node-sdk folds reactions into the message they react to (libxmtp enriched messages).
    const bobsView = await richMessages(bob.peer, dm.id);
    const hiInBobsView = bobsView.find((m) => m.id === hiId);
    const aliceReaction = hiInBobsView?.reactions.find((r) => r.id === aliceReactionId);
    expect(aliceReaction, `bob's view of his message: ${JSON.stringify(hiInBobsView)}`).toMatchObject({
      senderInboxId: alice.client.inboxId,
      contentType: REACTION,
    });
    expect(aliceReaction!.content as PeerReaction).toMatchObject({ reference: hiId, action: 1, content: '❤️', schema: 1 });
    // And bob's own reaction is folded into alice's hello on his side too.
    expect(bobsView.find((m) => m.id === helloId)?.reactions.map((r) => r.id)).toContain(bobReactionId);
  });

  it('a node-sdk group with a Parley member: messages, a rename and the Parley member’s removal', { timeout: STEP_TIMEOUT_MS }, async () => {
    const created = await bob.peer.newGroup([alice.client.inboxId, carol.client.inboxId], { name: 'Made by node-sdk' });
    sdkGroupId = created.id;
    await bob.peer.send(created.id, 'hello group, from bob');

    const group = await untilParleyJoined(created.id);
    if (group.kind !== 'group') throw new Error(`alice joined a ${group.kind}, not a group`);
    expect(group.name).toBe('Made by node-sdk');
    // Alice's key packages offer 0xff03: node-sdk wraps her welcomes with X-Wing, and she opens them.
    expect(await welcomeWrappers(alice.client.installationId)).toEqual([2]);
    await untilParleyText(group, 'hello group, from bob');
    const members = await group.members();
    expect(members.map((m) => m.inboxId).sort()).toEqual([alice, bob, carol].map((m) => m.client.inboxId).sort());
    expect(members.find((m) => m.inboxId === bob.client.inboxId)?.permissionLevel).toBe('super_admin');

    await group.sendText('hello group, from Parley');
    await untilSdkText(carol, created.id, 'hello group, from Parley');
    await untilSdkText(bob, created.id, 'hello group, from Parley');

    await bob.peer.updateName(created.id, 'Renamed by node-sdk');
    const rename = await untilParley(group, 'sees the rename', (messages) =>
      groupUpdates(messages).find((u) => u.metadataFieldChanges.some((c) => c.fieldName === 'group_name')),
    );
    expect(group.name).toBe('Renamed by node-sdk');
    expect(rename).toMatchObject({
      initiatedByInboxId: bob.client.inboxId,
      metadataFieldChanges: [{ fieldName: 'group_name', oldValue: 'Made by node-sdk', newValue: 'Renamed by node-sdk' }],
    });

    await bob.peer.removeMembers(created.id, [alice.client.inboxId]);
    const removal = await untilParley(group, 'sees its removal', (messages) =>
      groupUpdates(messages).find((u) => u.removedInboxes.includes(alice.client.inboxId)),
    );
    expect(removal.initiatedByInboxId).toBe(bob.client.inboxId);
    expect(group.isActive).toBe(false);
    await expect(group.sendText('still here?')).rejects.toMatchObject({ code: 'Client.NotActive' });

    // The group goes on without alice, and she cannot read it.
    await bob.peer.send(created.id, 'after Parley left');
    await untilSdkText(carol, created.id, 'after Parley left');
    await group.sync();
    const texts = (await group.messages()).flatMap((m) => (m.content?.type === 'text' ? [m.content.text] : []));
    expect(texts).toEqual(['hello group, from bob', 'hello group, from Parley']);
    // Every group_updated alice saw: her joining, the rename, her removal.
    expect(groupUpdates(await group.messages()).map((u) => ({
      added: u.addedInboxes.length,
      removed: u.removedInboxes,
      fields: u.metadataFieldChanges.map((c) => c.fieldName),
    }))).toEqual([
      { added: 1, removed: [], fields: [] },
      { added: 0, removed: [], fields: ['group_name'] },
      { added: 0, removed: [alice.client.inboxId], fields: [] },
    ]);
  });

  it('a Parley group: node-sdk members join and write; the Parley creator renames it, adds a member and removes one', { timeout: STEP_TIMEOUT_MS }, async () => {
    // Creating with a member is already a commit with Add + the 0xff01 membership GCE.
    const group = await alice.client.conversations.createGroup([bob.client.inboxId], { name: 'Made by Parley' });
    await group.sendText('hello group, from Parley');

    const bobsCopy = await untilSdkJoined(bob, group.id);
    expect(bobsCopy).toMatchObject({ type: 'group', name: 'Made by Parley' });
    // node-sdk's key packages offer 0xff03: Parley wraps with X-Wing, and node-sdk opens it.
    expect(await welcomeWrappers(bob.client.installationId)).toContain(2);
    await untilSdkText(bob, group.id, 'hello group, from Parley');
    const bobsMembers = await bob.peer.members(group.id);
    expect(bobsMembers.find((m) => m.inboxId === alice.client.inboxId)?.permissionLevel).toBe(2);

    await bob.peer.send(group.id, 'bob writes in the Parley group');
    await untilParleyText(group, 'bob writes in the Parley group');

    // A rename: a GroupContextExtensions commit on 0xff00 (needs the ts-mls patch, DESIGN §3).
    await group.updateName('Renamed by Parley');
    expect(group.name).toBe('Renamed by Parley');
    await untilSdk(bob, 'sees the name Parley gave', async () => {
      const { name } = await bob.peer.conversation(group.id);
      return name === 'Renamed by Parley' ? name : undefined;
    });
    const bobsRename = (await bob.peer.messages(group.id)).find(
      (m) => m.contentType === GROUP_UPDATED && JSON.stringify(m.content).includes('Renamed by Parley'),
    );
    expect(bobsRename, 'bob stores the rename as a group_updated message').toMatchObject({ kind: 'membership_change', senderInboxId: alice.client.inboxId });

    // An add to an existing group: Add + membership GCE, a welcome to carol.
    await group.addMembers([carol.identity.address]);
    const carolsCopy = await untilSdkJoined(carol, group.id);
    expect(carolsCopy.name).toBe('Renamed by Parley');
    await bob.peer.sync(group.id);
    expect((await bob.peer.members(group.id)).map((m) => m.inboxId).sort())
      .toEqual([alice, bob, carol].map((m) => m.client.inboxId).sort());
    expect(await sdkGroupUpdates(bob, group.id), 'bob’s group_updated messages for Parley’s commits').toEqual([
      { initiatedBy: alice.client.inboxId, added: [], removed: [], fields: ['group_name'] },
      { initiatedBy: alice.client.inboxId, added: [carol.client.inboxId], removed: [], fields: [] },
    ]);

    await carol.peer.send(group.id, 'carol joined the Parley group');
    await untilParleyText(group, 'carol joined the Parley group');
    await untilSdkText(bob, group.id, 'carol joined the Parley group');
    await group.sendText('welcome carol, from Parley');
    await untilSdkText(carol, group.id, 'welcome carol, from Parley');
    await untilSdkText(bob, group.id, 'welcome carol, from Parley');

    // A removal: Remove + membership GCE in one commit (ts-mls #742 without the patch).
    await group.removeMembers([carol.identity.address]);
    expect((await group.members()).map((m) => m.inboxId).sort()).toEqual([alice, bob].map((m) => m.client.inboxId).sort());
    await untilSdk(carol, 'sees she was removed from the Parley group', async () =>
      (await carol.peer.conversation(group.id)).isActive ? undefined : true,
    );
    await untilSdk(bob, 'sees carol removed', async () => {
      const ids = (await bob.peer.members(group.id)).map((m) => m.inboxId);
      return ids.length === 2 ? ids : undefined;
    });
    expect((await sdkGroupUpdates(bob, group.id)).at(-1)).toEqual(
      { initiatedBy: alice.client.inboxId, added: [], removed: [carol.client.inboxId], fields: [] },
    );
    await group.sendText('after carol left, from Parley');
    await untilSdkText(bob, group.id, 'after carol left, from Parley');
    await carol.peer.sync(group.id).catch(() => undefined);
    expect(await carol.peer.texts(group.id)).not.toContain('after carol left, from Parley');
    await bob.peer.send(group.id, 'bob, after carol left');
    await untilParleyText(group, 'bob, after carol left');
  });

  it('a node-sdk client DMs the Parley client; both streams deliver the other side’s messages', { timeout: STEP_TIMEOUT_MS }, async () => {
    const created = await carol.peer.newDm(alice.client.inboxId);
    await carol.peer.send(created.id, 'hello alice, from carol');
    const dm = await untilParleyJoined(created.id);
    if (dm.kind !== 'dm') throw new Error(`alice joined a ${dm.kind}, not a DM`);
    expect(dm.peerInboxId()).toBe(carol.client.inboxId);
    await untilParleyText(dm, 'hello alice, from carol');
    await dm.sendText('hello carol, from Parley');
    await untilSdkText(carol, created.id, 'hello carol, from Parley');

    // Parley's stream over gRPC-web subscriptions; node-sdk's over native gRPC.
    const stream = alice.client.conversations.streamAllMessages();
    try {
      await carol.peer.startStream();
      // A subscription has no "ready" signal: resend until the stream yields one.
      const streamedToAlice = (async () => {
        for await (const message of stream) {
          if (message.content?.type === 'text' && message.content.text.startsWith('streamed to alice')) return message;
        }
        return undefined;
      })();
      let sentToAlice = 0;
      const arrived = await eventually(
        'alice’s stream yields a message carol sends after it started',
        async () => {
          await carol.peer.send(created.id, `streamed to alice #${++sentToAlice}`);
          return Promise.race([streamedToAlice, new Promise<undefined>((resolve) => setTimeout(resolve, 1_000, undefined))]);
        },
        { timeoutMs: SETTLE_MS, intervalMs: 0, describe: () => describeState(carol) },
      );
      expect(arrived).toMatchObject({ conversationId: created.id, senderInboxId: carol.client.inboxId });

      const fromAlice = await dm.sendText('streamed to carol');
      const streamed = await eventually(
        'carol’s stream yields alice’s message',
        async () => (await carol.peer.streamed()).messages.find((m) => m.id === fromAlice),
        { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: async () => JSON.stringify(await carol.peer.streamed()) },
      );
      expect(streamed).toMatchObject({ conversationId: created.id, senderInboxId: alice.client.inboxId, content: 'streamed to carol' });
    } finally {
      await stream.return();
      await carol.peer.stopStream();
    }
  });

  it('the node-sdk creator adds the removed Parley member back; she reads what comes after', { timeout: STEP_TIMEOUT_MS }, async () => {
    await bob.peer.addMembers(sdkGroupId, [alice.client.inboxId]);
    const group = await eventually(
      'alice (Parley) is active in the group again after a new welcome',
      async () => {
        await alice.client.conversations.sync();
        const conversation = await alice.client.conversations.getConversationById(sdkGroupId);
        return conversation?.isActive ? conversation : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: () => describeState(bob) },
    );
    await bob.peer.send(sdkGroupId, 'welcome back, Parley');
    await untilParleyText(group, 'welcome back, Parley');
    await group.sendText('glad to be back, from Parley');
    await untilSdkText(carol, sdkGroupId, 'glad to be back, from Parley');
  });
});
