import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type DecodedMessage, type Dm, type Group } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { disappearing, updateDisappearing } from './disappearingPeerCommands';
import { eventually } from './eventually';
import { describeScene, saveLogsAndStop, type InteropScene } from './interopScene';
import { ParleyNode } from './parleyNode';
import { startSdkMember as startSdkMemberAt, type SdkMember } from './sdkMember';
import { requireInteropEnv } from './testEnv';

// Disappearing messages and duplicate DMs between a Parley client (alice, in this process) and
// unmodified @xmtp/node-sdk 6.0.0 clients (bob, carol) on one parley-node. One story, in order.

const STEP_TIMEOUT_MS = 300_000;
const SETTLE_MS = 90_000;
const POLL_MS = 500;
const HOUR_NS = 3_600_000_000_000n;

function textOf(m: DecodedMessage): string | undefined {
  return m.content?.type === 'text' ? m.content.text : undefined;
}

describe('disappearing messages and duplicate DMs with node-sdk 6.0.0 clients', () => {
  let workDir: string;
  let node: ParleyNode;
  const peers: SdkMember[] = [];
  let alice: Client;
  let aliceStore: ReturnType<typeof createMemoryStore>;
  /** Alice's clock: real time unless the test sets an instant. */
  let aliceNow: Date | undefined;

  async function startSdkMember(name: string): Promise<SdkMember> {
    const member = await startSdkMemberAt(name, { apiUrl: node.apiUrl, workDir });
    peers.push(member);
    return member;
  }

  const scene = (): InteropScene => ({ node, peers, alice, workDir });
  const describeState = async (): Promise<string> => describeScene(scene());

  function untilAlice<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    return eventually(`alice (Parley) ${what}`, probe, { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: describeState });
  }

  function untilSdk<T>(member: SdkMember, what: string, probe: () => Promise<T | undefined>): Promise<T> {
    return eventually(
      `${member.name} (node-sdk) ${what}`,
      async () => {
        await member.peer.syncAll();
        return probe();
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: describeState },
    );
  }

  /** Alice joins a conversation a node-sdk member made and syncs it until `text` is in it. */
  function untilAliceHas(conversationId: string, text: string): Promise<Dm | Group> {
    return untilAlice(`has "${text}" in ${conversationId}`, async () => {
      await alice.conversations.syncAll();
      const conversation = await alice.conversations.getConversationById(conversationId);
      if (conversation === undefined) return undefined;
      return (await conversation.messages()).some((m) => textOf(m) === text) ? conversation : undefined;
    });
  }

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-disappearing-interop-'));
    node = await ParleyNode.start({ logLevel: 'debug' });
  }, 120_000);

  afterAll(() => saveLogsAndStop('disappearing-and-duplicate-dms', scene()), 60_000);

  it('a node-sdk admin sets disappearing messages on a group; Parley sees the settings and drops what expired', { timeout: STEP_TIMEOUT_MS }, async () => {
    const signer = privateKeySigner(generateWalletPrivateKey());
    aliceStore = createMemoryStore();
    const [aliceClient, bob] = await Promise.all([
      Client.create(signer, { apiUrl: node.webUrl, store: aliceStore, now: () => aliceNow ?? new Date() }),
      startSdkMember('bob'),
    ]);
    alice = aliceClient;

    const group = await bob.peer.newGroup([alice.inboxId], { name: 'fading' });
    await bob.peer.send(group.id, 'kept: sent before the setting');
    const fromNs = BigInt(Date.now()) * 1_000_000n;
    await updateDisappearing(bob.peer, group.id, fromNs, HOUR_NS);
    expect(await disappearing(bob.peer, group.id)).toEqual({ settings: { fromNs: fromNs.toString(), inNs: HOUR_NS.toString() }, enabled: true });
    await bob.peer.send(group.id, 'first');
    // Apart by a few ms (the node stamps both on this machine's clock), so that a millisecond
    // clock can stand between their expiries: back to back, they could share a millisecond.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await bob.peer.send(group.id, 'second');

    const aliceGroup = await untilAliceHas(group.id, 'second');
    expect(aliceGroup.messageDisappearingSettings()).toEqual({ fromNs, inNs: HOUR_NS });
    expect(aliceGroup.isMessageDisappearingEnabled()).toBe(true);
    const seen = await aliceGroup.messages();
    const first = seen.find((m) => textOf(m) === 'first');
    const second = seen.find((m) => textOf(m) === 'second');
    if (first === undefined || second === undefined) throw new Error('alice should have both messages');
    expect(second.sentAtNs).toBeGreaterThan(first.sentAtNs + 1_000_000n);

    // An hour on for alice: the first has expired, the second (sent later) not yet.
    aliceNow = new Date(Number((first.sentAtNs + HOUR_NS + 999_999n) / 1_000_000n));
    expect(seen.map(textOf).filter((t) => t !== undefined)).toEqual(['kept: sent before the setting', 'first', 'second']);
    expect((await aliceGroup.messages()).map(textOf).filter((t) => t !== undefined)).toEqual(['kept: sent before the setting', 'second']);
    await alice.conversations.syncAll();
    expect(await aliceStore.getMessage(first.id)).toBeUndefined();
    expect(await aliceStore.getMessage(second.id)).toBeDefined();
    aliceNow = undefined;
  });

  it('disappearing settings on a DM go both ways: node-sdk sets them, Parley removes them', { timeout: STEP_TIMEOUT_MS }, async () => {
    const bob = peers.find((m) => m.name === 'bob')!;
    const dm = await bob.peer.newDm(alice.inboxId);
    const fromNs = BigInt(Date.now()) * 1_000_000n;
    await updateDisappearing(bob.peer, dm.id, fromNs, HOUR_NS);
    await bob.peer.send(dm.id, 'hello from bob');
    const aliceDm = await untilAliceHas(dm.id, 'hello from bob');
    expect(aliceDm.messageDisappearingSettings()).toEqual({ fromNs, inNs: HOUR_NS });

    await aliceDm.removeMessageDisappearingSettings();
    expect(aliceDm.isMessageDisappearingEnabled()).toBe(false);
    await untilSdk(bob, 'sees the settings removed', async () => {
      const state = await disappearing(bob.peer, dm.id);
      return state.enabled ? undefined : state;
    }).then((state) => expect(state.settings).toEqual({ fromNs: '0', inNs: '0' }));
    // The DM still carries messages both ways after Parley's metadata commits.
    await aliceDm.sendText('settings removed');
    await untilSdk(bob, 'reads alice after her commits', async () => ((await bob.peer.texts(dm.id)).includes('settings removed') ? true : undefined));
  });

  it('duplicate DMs made at once by node-sdk and Parley are stitched on the Parley side', { timeout: STEP_TIMEOUT_MS }, async () => {
    const carol = await startSdkMember('carol');
    // Neither has seen the other's welcome: each makes its own DM group.
    const aliceSide = await alice.conversations.createDm(carol.client.inboxId);
    const carolSide = await carol.peer.newDm(alice.inboxId);
    expect(carolSide.id).not.toBe(aliceSide.id);
    await aliceSide.sendText('from alice, in her group');
    await carol.peer.send(carolSide.id, 'from carol, in her group');

    const stitched = await untilAlice('shows both groups as one DM with carol', async () => {
      await alice.conversations.syncAll();
      const groups = await aliceStore.listGroups({ kind: 'dm' });
      const withCarol = (await alice.conversations.list({ kind: 'dm' })).filter((c) => c.kind === 'dm' && c.peerInboxId() === carol.client.inboxId);
      return groups.some((g) => g.id === carolSide.id) && withCarol.length === 1 ? (withCarol[0] as Dm) : undefined;
    });
    const texts = (await stitched.messages()).map(textOf).filter((t) => t !== undefined);
    expect(texts).toEqual(['from alice, in her group', 'from carol, in her group']);
    for (const id of [aliceSide.id, carolSide.id]) expect((await alice.conversations.getConversationById(id))?.id).toBe(stitched.id);

    // The DM keeps the id of the group alice made; her reply goes to the group with the latest
    // activity (carol's, as libxmtp would pick), and node-sdk's stitched view has it too.
    expect(stitched.id).toBe(aliceSide.id);
    const replyId = await stitched.sendText('alice replies');
    expect((await aliceStore.getMessage(replyId))?.groupId).toBe(carolSide.id);
    await untilSdk(carol, 'reads the reply in its stitched DM', async () => ((await carol.peer.texts(carolSide.id)).includes('alice replies') ? true : undefined));
  });
});
