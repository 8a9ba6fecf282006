import { createHmac } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import { Client, createMemoryStore, groupMessageTopic, type HmacKeysByGroup } from '../../src/core/client';
import { groupHmacKeys } from '../../src/core/client/hmacKeys';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { eventually } from './eventually';
import { denyConversation, hmacRootUpdates, peerHmacKeys, startPreferenceStream, syncDeviceSyncGroups, type PeerHmacKey } from './hmacKeysPeerCommands';
import { Peer } from './peer';
import { describeScene, saveLogsAndStop, type InteropScene } from './interopScene';
import { ParleyNode } from './parleyNode';
import { newPeerIdentity, type PeerIdentity } from './peerIdentity';
import { requireInteropEnv } from './testEnv';

// Push-filter HMAC keys between a Parley client (alice, in this process) and unmodified
// @xmtp/node-sdk 6.0.0 installations of one inbox (bob1, bob2) on one parley-node: the keys have
// libxmtp's shape, a push server's sender check works on both sides' messages, and with the root
// libxmtp keeps (which device sync hands to the user's installations) Parley derives libxmtp's keys.

const STEP_TIMEOUT_MS = 300_000;
const SETTLE_MS = 120_000;
const POLL_MS = 1_000;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Parley's keys in the shape the driver sends node-sdk's (epoch decimal, key hex). */
function asPeerKeys(keys: HmacKeysByGroup): Record<string, PeerHmacKey[]> {
  return Object.fromEntries(Object.entries(keys).map(([id, list]) => [id, list.map((k) => ({ epoch: k.epoch.toString(), key: hex(k.key) }))]));
}

/** Keys by group in one comparable string, whatever the order of groups and fields. */
function canonical(keys: Record<string, PeerHmacKey[]>): string {
  return JSON.stringify(Object.keys(keys).sort().map((id) => [id, keys[id]!.map((k) => `${k.epoch}:${k.key}`)]));
}

/** example-notification-server-go's IsSender: HMAC-SHA256 of the message's data under the subscription's key. */
function isSender(key: Uint8Array | string, message: { data: Uint8Array; senderHmac: Uint8Array }): boolean {
  const k = typeof key === 'string' ? Buffer.from(key, 'hex') : key;
  return message.senderHmac.length > 0 && Buffer.from(message.senderHmac).equals(createHmac('sha256', k).update(message.data).digest());
}

describe('push-filter HMAC keys with node-sdk 6.0.0', () => {
  let workDir: string;
  let node: ParleyNode;
  const peers: { name: string; peer: Peer }[] = [];
  let alice: Client;
  let bobIdentity: PeerIdentity;
  let bob1: Peer;
  let group: { id: string; topic?: string };
  let dm: { id: string; topic?: string };

  async function startBob(name: string): Promise<Peer> {
    const { peer } = await Peer.start(
      name,
      { privateKey: bobIdentity.privateKey, apiUrl: node.apiUrl, dbPath: join(workDir, `${name}.db3`), dbEncryptionKey: bobIdentity.dbEncryptionKey, deviceSync: true, loggingLevel: 'Info' },
      { commandTimeoutMs: 120_000 },
    );
    peers.push({ name, peer });
    return peer;
  }

  const scene = (): InteropScene => ({ node, peers, alice, workDir });
  const describeState = async (): Promise<string> => describeScene(scene());

  function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    return eventually(what, probe, { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: describeState });
  }

  /** The group's messages as the node stores them, what a push server sees of each. */
  async function nodeMessages(groupId: string): Promise<{ data: Uint8Array; senderHmac: Uint8Array }[]> {
    const page = await createGrpcWebApi({ url: node.webUrl }).queryGroupMessages({ groupId: Buffer.from(groupId, 'hex'), pagingInfo: undefined });
    return page.messages.flatMap((m) => (m.v1 === undefined ? [] : [{ data: m.v1.data, senderHmac: m.v1.senderHmac }]));
  }

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-hmac-interop-'));
    node = await ParleyNode.start({ logLevel: 'debug' });
    bobIdentity = newPeerIdentity();
  }, 120_000);

  afterAll(() => saveLogsAndStop('hmac-keys', scene()), 60_000);

  it('both sides list the same conversations with keys of the same shape, by group id and topic', { timeout: STEP_TIMEOUT_MS }, async () => {
    [alice, bob1] = await Promise.all([Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() }), startBob('bob1')]);
    await startPreferenceStream(bob1);
    group = await bob1.newGroup([alice.inboxId], { name: 'pushed' });
    dm = await bob1.newDm(alice.inboxId);
    await bob1.send(group.id, 'from bob');
    await bob1.send(dm.id, 'dm from bob');
    await until('alice (Parley) joins both conversations', async () => {
      await alice.conversations.syncAll();
      return (await alice.conversations.list()).length === 2 ? true : undefined;
    });
    await (await alice.conversations.getConversationById(group.id))!.sendText('from alice');

    const parley = await alice.conversations.hmacKeys();
    const libxmtp = await peerHmacKeys(bob1);
    expect(Object.keys(parley).sort()).toEqual([group.id, dm.id].sort());
    // bob1's sync group is his own: libxmtp leaves it out (virtual conversation types), so the ids match.
    expect(Object.keys(libxmtp).sort()).toEqual(Object.keys(parley).sort());
    for (const id of Object.keys(parley)) {
      expect(parley[id]!.map((k) => k.epoch.toString())).toEqual(libxmtp[id]!.map((k) => k.epoch));
      expect(libxmtp[id]!.map((k) => k.key.length / 2)).toEqual([42, 42, 42]);
      expect(parley[id]!.map((k) => k.key.length)).toEqual([42, 42, 42]);
    }
    expect(groupMessageTopic(group.id)).toBe(group.topic);
    expect(groupMessageTopic(dm.id)).toBe(dm.topic);
    // One conversation's keys: that group alone, on both sides.
    expect(Object.keys(await peerHmacKeys(bob1, group.id))).toEqual([group.id]);
    expect(Object.keys(await (await alice.conversations.getConversationById(group.id))!.hmacKeys())).toEqual([group.id]);
  });

  it('a push server holding a user’s keys recognises that user’s messages and only those, on both sides', { timeout: STEP_TIMEOUT_MS }, async () => {
    const aliceCurrent = (await alice.conversations.hmacKeys())[group.id]![1]!.key;
    const bobCurrent = (await peerHmacKeys(bob1))[group.id]![1]!.key;
    const stored = await nodeMessages(group.id);
    const alices = stored.filter((m) => isSender(aliceCurrent, m));
    const bobs = stored.filter((m) => isSender(bobCurrent, m));
    // Bob's commit (the add) and text; alice's text; nobody's message passes for both.
    expect(alices.length).toBeGreaterThanOrEqual(1);
    expect(bobs.length).toBeGreaterThanOrEqual(2);
    expect(alices.filter((m) => bobs.includes(m))).toEqual([]);
    expect(alices.length + bobs.length).toBe(stored.length);
  });

  it('with the root libxmtp keeps, which device sync gives bob’s new installation, Parley derives libxmtp’s keys', { timeout: STEP_TIMEOUT_MS }, async () => {
    // A second installation of bob's inbox: libxmtp's first one answers its sync group's welcome
    // with a fresh root in the sync group (worker.rs evt_new_sync_group_from_welcome, cycle_hmac),
    // which both store (preference_sync.rs store_preference_updates) and stream as HmacKeyUpdate.
    const bob2 = await startBob('bob2');
    await startPreferenceStream(bob2);
    let seen = '';
    const matched = await eventually(
      'bob1 (node-sdk) uses a root device sync delivered, and Parley derives the same keys from it',
      async () => {
        await Promise.all([bob1.syncAll(), bob2.syncAll()]);
        await Promise.all([syncDeviceSyncGroups(bob1), syncDeviceSyncGroups(bob2)]);
        const roots = await hmacRootUpdates(bob1);
        const libxmtp = await peerHmacKeys(bob1);
        seen = `roots streamed to bob1: ${JSON.stringify(roots)}; bob2: ${JSON.stringify(await hmacRootUpdates(bob2))}; bob1 keys: ${JSON.stringify(libxmtp)}`;
        const root = roots.at(-1);
        if (root === undefined) return undefined;
        const now = new Date();
        const parley = asPeerKeys(Object.fromEntries(Object.keys(libxmtp).map((id) => [id, groupHmacKeys(Buffer.from(root, 'hex'), id, now)])));
        return canonical(parley) === canonical(libxmtp) ? { root, libxmtp } : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, describe: async () => `${seen}\n${await describeState()}` },
    );
    expect(Object.keys(matched.libxmtp).sort()).toEqual([group.id, dm.id].sort());
    expect(matched.root).toHaveLength(84);

    // A Parley installation of bob's inbox given that root (hmacRootKey, as device sync would)
    // hands out the same keys as libxmtp for a conversation both installations are in, and bob1's
    // next message there passes the push server's sender check with Parley's key.
    const bob3 = await Client.create(privateKeySigner(bobIdentity.privateKey), { apiUrl: node.webUrl, store: createMemoryStore(), hmacRootKey: Buffer.from(matched.root, 'hex') });
    try {
      const shared = await bob3.conversations.createGroup([alice.inboxId]);
      await until('bob1 (node-sdk) joins the group bob3 (Parley) made', async () => {
        await bob1.syncAll();
        return (await bob1.conversations()).some((c) => c.id === shared.id) ? true : undefined;
      });
      const fromParley = asPeerKeys(await shared.hmacKeys());
      const fromLibxmtp = await peerHmacKeys(bob1, shared.id);
      expect(canonical(fromLibxmtp)).toBe(canonical(fromParley));
      expect(fromParley[shared.id]).toHaveLength(3);
      await bob1.send(shared.id, 'filtered for bob');
      const last = (await nodeMessages(shared.id)).at(-1)!;
      expect(isSender(fromParley[shared.id]![1]!.key, last)).toBe(true);
    } finally {
      bob3.close();
    }
  });

  it('denied conversations have no keys, on either side', { timeout: STEP_TIMEOUT_MS }, async () => {
    await denyConversation(bob1, group.id);
    await (await alice.conversations.getConversationById(group.id))!.updateConsentState('denied');
    expect(Object.keys(await peerHmacKeys(bob1))).not.toContain(group.id);
    expect(Object.keys(await alice.conversations.hmacKeys())).toEqual([dm.id]);
    // One conversation's own keys stay available whatever its consent, as in libxmtp.
    expect(Object.keys(await peerHmacKeys(bob1, group.id))).toEqual([group.id]);
    expect(Object.keys(await (await alice.conversations.getConversationById(group.id))!.hmacKeys())).toEqual([group.id]);
  });
});
