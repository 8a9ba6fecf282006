import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type ClientStore, type Conversation, type DecodedMessage } from '../../src/core/client';
import { groupLeaves, leafNodeAt } from '../../src/core/client/groupLeaves';
import { loadGroupState } from '../../src/core/client/groupState';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { eventually } from './eventually';
import { describeScene, saveLogsAndStop, type InteropScene } from './interopScene';
import { ParleyNode } from './parleyNode';
import { startSdkMember as startSdkMemberAt, type SdkMember } from './sdkMember';
import { requireInteropEnv } from './testEnv';

// Key rotation between a Parley client (alice, in this process) and an unmodified
// @xmtp/node-sdk 6.0.0 client (bob) on one parley-node: libxmtp's self-update (queued before its
// first send in a group it joined by welcome) is accepted by Parley, and Parley's self-updates
// (on joining, scheduled, and updateKeys) by libxmtp. One story, in order.

const STEP_TIMEOUT_MS = 300_000;
const SETTLE_MS = 90_000;
const POLL_MS = 500;

function textOf(m: { content?: unknown }): string | undefined {
  const content = m.content as { type?: string; text?: string } | string | undefined;
  if (typeof content === 'string') return content;
  return content?.type === 'text' ? content.text : undefined;
}

/** The HPKE key of an inbox's leaf in the group, as `store`'s state holds it. */
async function leafKeyOf(store: ClientStore, groupId: string, inboxId: string): Promise<string> {
  const state = (await loadGroupState(store, groupId))?.state;
  if (state === undefined) throw new Error('no state');
  const leaf = groupLeaves(state).find((l) => l.inboxId === inboxId);
  const node = leaf === undefined ? undefined : leafNodeAt(state.ratchetTree, leaf.leafIndex);
  if (node === undefined) throw new Error(`no leaf for ${inboxId}`);
  return Buffer.from(node.hpkePublicKey).toString('hex');
}

describe('key rotation with a node-sdk 6.0.0 client', () => {
  let workDir: string;
  let node: ParleyNode;
  const peers: SdkMember[] = [];
  let alice: Client;
  let aliceStore: ClientStore;
  let bob: SdkMember;

  const scene = (): InteropScene => ({ node, peers, alice, workDir });
  const describeState = async (): Promise<string> => describeScene(scene());

  function untilAliceHas(conversationId: string, text: string): Promise<Conversation> {
    return eventually(
      `alice (Parley) has "${text}" in ${conversationId}`,
      async () => {
        await alice.conversations.syncAll();
        const conversation = await alice.conversations.getConversationById(conversationId);
        if (conversation === undefined) return undefined;
        return (await conversation.messages()).some((m: DecodedMessage) => textOf(m) === text) ? conversation : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: describeState },
    );
  }

  function untilBobHas(conversationId: string, texts: readonly string[]): Promise<string[]> {
    return eventually(
      `bob (node-sdk) has ${JSON.stringify(texts)} in ${conversationId}`,
      async () => {
        await bob.peer.syncAll();
        const seen = (await bob.peer.messages(conversationId)).filter((m) => m.contentType === 'xmtp.org/text:1.0').map(textOf);
        return texts.every((t) => seen.includes(t)) ? (seen.filter((t) => t !== undefined) as string[]) : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: describeState },
    );
  }

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-key-rotation-interop-'));
    node = await ParleyNode.start({ logLevel: 'debug' });
    const signer = privateKeySigner(generateWalletPrivateKey());
    aliceStore = createMemoryStore();
    // A small count, so that a scheduled self-update happens within the story.
    [alice, bob] = await Promise.all([
      Client.create(signer, { apiUrl: node.webUrl, store: aliceStore, keyRotation: { maxMessages: 2 } }),
      startSdkMemberAt('bob', { apiUrl: node.apiUrl, workDir }),
    ]);
    peers.push(bob);
  }, 120_000);

  afterAll(() => saveLogsAndStop('key-rotation', scene()), 60_000);

  it('libxmtp self-updates before its first send in a group it joined; Parley applies the commit and reads on', { timeout: STEP_TIMEOUT_MS }, async () => {
    const group = await alice.conversations.createGroup([bob.client.inboxId], { name: 'rotating' });
    const bobKeyFromKeyPackage = await leafKeyOf(aliceStore, group.id, bob.client.inboxId);
    expect(group.epoch).toBe(1n);

    await bob.peer.syncAll();
    await bob.peer.send(group.id, 'bob, first send');
    const aliceGroup = await untilAliceHas(group.id, 'bob, first send');
    // The add was epoch 1; libxmtp's key update epoch 2.
    expect(aliceGroup.epoch).toBe(2n);
    expect(await leafKeyOf(aliceStore, group.id, bob.client.inboxId)).not.toBe(bobKeyFromKeyPackage);

    await aliceGroup.sendText('alice read it');
    await untilBobHas(group.id, ['alice read it']);
    expect(alice.errors).toEqual([]);
  });

  it('Parley self-updates on joining a libxmtp group, on its schedule and on updateKeys; libxmtp applies each and reads on', { timeout: STEP_TIMEOUT_MS }, async () => {
    const group = await bob.peer.newGroup([alice.inboxId], { name: 'from bob' });
    await bob.peer.send(group.id, 'welcome, alice');
    const aliceGroup = await untilAliceHas(group.id, 'welcome, alice');
    // Bob's add was epoch 1 (libxmtp counts a creator's add as its rotation: no key update before
    // his send); alice's self-update on joining epoch 2.
    expect(aliceGroup.epoch).toBe(2n);
    expect((await aliceStore.getGroup(group.id))?.keysRotatedAtNs).toBeGreaterThan(0n);
    const joinedEpoch = aliceGroup.epoch;
    const keyAfterJoin = await leafKeyOf(aliceStore, group.id, alice.inboxId);

    await aliceGroup.sendText('one after joining');
    await untilBobHas(group.id, ['one after joining']);

    // Two sent since the self-update on joining: the next send brings a scheduled one first.
    await aliceGroup.sendText('two');
    await aliceGroup.sendText('three, after a scheduled update');
    expect(aliceGroup.epoch).toBe(joinedEpoch + 1n);
    const keyAfterSchedule = await leafKeyOf(aliceStore, group.id, alice.inboxId);
    expect(keyAfterSchedule).not.toBe(keyAfterJoin);
    await untilBobHas(group.id, ['two', 'three, after a scheduled update']);

    await aliceGroup.updateKeys();
    expect(aliceGroup.epoch).toBe(joinedEpoch + 2n);
    expect(await leafKeyOf(aliceStore, group.id, alice.inboxId)).not.toBe(keyAfterSchedule);
    await aliceGroup.sendText('after updateKeys');
    await untilBobHas(group.id, ['after updateKeys']);

    // And bob, on the same epoch, is read by alice.
    await bob.peer.send(group.id, 'bob follows every epoch');
    await untilAliceHas(group.id, 'bob follows every epoch');
    expect(alice.errors).toEqual([]);
  });
});
