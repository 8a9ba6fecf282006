import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './eventually';
import { ParleyNode, type ParleyNodeOptions } from './parleyNode';
import { Peer, type ConversationInfo, type CreatedClient } from './peer';
import { newPeerIdentity, type PeerIdentity } from './peerIdentity';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase';
import { repoRoot, requireInteropEnv, requirePostgresUrl } from './testEnv';

// Issue 3, "Must show": unmodified @xmtp/node-sdk 6.0.0 clients (libxmtp 1.10.0) against
// parley-node as a separate process, then a SIGKILL and a restart on the same data.
// The steps are one story and run in order; each later step uses what the earlier made.

interface Target {
  name: string;
  /** Node options for this target, and how to clean up after it. */
  prepare(): Promise<{ options: ParleyNodeOptions; cleanup(): Promise<void> }>;
}

const parleyOnSqlite: Target = {
  name: 'parley-node on SQLite',
  prepare: async () => ({ options: {}, cleanup: async () => undefined }),
};

const parleyOnPostgres: Target = {
  name: 'parley-node on PostgreSQL',
  prepare: async () => {
    const db: ScratchDatabase = await createScratchDatabase(requirePostgresUrl(), 'parley_interop');
    return { options: { postgres: db.url }, cleanup: () => db.drop() };
  },
};

// The same story against a deliberately simple relay (referenceNode.ts): it checks the
// suite and the harness themselves, so that a failure only on parley-node is the node's.
const referenceControl: Target = {
  name: 'the reference node (control)',
  prepare: async () => ({
    options: { cliPath: join(repoRoot, 'test/interop/referenceNodeCli.ts') },
    cleanup: async () => undefined,
  }),
};

const TARGETS: Target[] = [parleyOnSqlite, parleyOnPostgres, referenceControl];

const STEP_TIMEOUT_MS = 240_000;
const SETTLE_MS = 60_000;

interface Member {
  name: string;
  identity: PeerIdentity;
  dbPath: string;
  peer: Peer;
  client: CreatedClient;
}

for (const target of TARGETS) {
  describe(`${target.name} with real XMTP clients (node-sdk 6.0.0)`, () => {
    let workDir: string;
    let node: ParleyNode;
    let cleanupTarget: () => Promise<void> = async () => undefined;
    const members: Member[] = [];
    let alice: Member;
    let bob: Member;
    let carol: Member;
    let dm: ConversationInfo;
    let group: ConversationInfo;

    async function startMember(name: string, identity: PeerIdentity, dbPath: string): Promise<Member> {
      const { peer, client } = await Peer.start(
        name,
        { privateKey: identity.privateKey, apiUrl: node.apiUrl, dbPath, dbEncryptionKey: identity.dbEncryptionKey, loggingLevel: 'Warn' },
        { commandTimeoutMs: 90_000 },
      );
      const member = { name, identity, dbPath, peer, client };
      members.push(member);
      return member;
    }

    /** What each side saw, for failure messages. */
    async function describeState(...who: Member[]): Promise<string> {
      const parts = await Promise.all(who.map(async (m) => {
        const conversations = await m.peer.conversations().catch((e: unknown) => String(e));
        return `${m.name}: ${JSON.stringify(conversations)}`;
      }));
      return `${parts.join('\n')}\n--- parley-node log (tail) ---\n${node.logTail(80)}`;
    }

    /** Syncs `member` until its copy of `conversationId` has `text`. */
    function untilText(member: Member, conversationId: string, text: string): Promise<string[]> {
      return eventually(
        `${member.name} has "${text}" in ${conversationId}`,
        async () => {
          await member.peer.syncAll();
          const texts = await member.peer.texts(conversationId).catch((): string[] => []);
          return texts.includes(text) ? texts : undefined;
        },
        { timeoutMs: SETTLE_MS, intervalMs: 500, describe: () => describeState(member) },
      );
    }

    beforeAll(async () => {
      requireInteropEnv();
      workDir = await mkdtemp(join(tmpdir(), 'parley-interop-'));
      const prepared = await target.prepare();
      cleanupTarget = prepared.cleanup;
      node = await ParleyNode.start({ ...prepared.options, logLevel: 'debug' });
    }, 120_000);

    afterEach((context) => {
      if (context.task.result?.state === 'fail' && node) {
        console.error(`--- parley-node log (tail) after "${context.task.name}" ---\n${node.logTail(120)}`);
      }
    });

    afterAll(async () => {
      // Logs for whoever debugs a failure: test-results/ is gitignored.
      const logDir = join(repoRoot, 'test-results/interop', target.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
      await mkdir(logDir, { recursive: true });
      if (node) await writeFile(join(logDir, 'parley-node.log'), `${node.log.join('\n')}\n`);
      for (const [i, m] of members.entries()) {
        await writeFile(join(logDir, `${i + 1}-${m.name}.log`), `${m.peer.log.join('\n')}\n`);
      }
      await Promise.all(members.map((m) => m.peer.kill()));
      if (node) await node.stop();
      await cleanupTarget();
      if (workDir) await rm(workDir, { recursive: true, force: true });
    }, 60_000);

    it('three clients register', { timeout: STEP_TIMEOUT_MS }, async () => {
      const register = (name: string): Promise<Member> => startMember(name, newPeerIdentity(), join(workDir, `${name}.db3`));
      [alice, bob, carol] = await Promise.all([register('alice'), register('bob'), register('carol')]);
      for (const m of [alice, bob, carol]) {
        expect(m.client.isRegistered, `${m.name} is registered`).toBe(true);
        expect(m.client.address).toBe(m.identity.address);
        expect(m.client.inboxId).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(new Set([alice, bob, carol].map((m) => m.client.inboxId)).size).toBe(3);
      // Each can find the others' inboxes through the node (GetInboxIds).
      expect(await alice.peer.inboxIdFor(bob.identity.address)).toBe(bob.client.inboxId);
      expect(await carol.peer.inboxIdFor(alice.identity.address)).toBe(alice.client.inboxId);
    });

    it('canMessage tells registered addresses from an unknown one', { timeout: STEP_TIMEOUT_MS }, async () => {
      const stranger = newPeerIdentity().address;
      expect(await alice.peer.canMessage([bob.identity.address, carol.identity.address, stranger])).toEqual({
        [bob.identity.address]: true,
        [carol.identity.address]: true,
        [stranger]: false,
      });
    });

    it('a DM carries messages both ways', { timeout: STEP_TIMEOUT_MS }, async () => {
      dm = await alice.peer.newDm(bob.client.inboxId);
      expect(dm.type).toBe('dm');
      await alice.peer.send(dm.id, 'hello bob');

      const bobsDm = await eventually(
        'bob sees the DM alice made',
        async () => {
          await bob.peer.syncAll();
          return (await bob.peer.conversations('dm')).find((c) => c.peerInboxId === alice.client.inboxId);
        },
        { timeoutMs: SETTLE_MS, intervalMs: 500, describe: () => describeState(bob) },
      );
      expect(bobsDm.id).toBe(dm.id);
      await untilText(bob, dm.id, 'hello bob');

      await bob.peer.send(dm.id, 'hello alice');
      const alicesTexts = await untilText(alice, dm.id, 'hello alice');
      expect(alicesTexts).toEqual(['hello bob', 'hello alice']);
    });

    it('a 3-member group: messages, an added member, a rename and a member removal', { timeout: STEP_TIMEOUT_MS }, async () => {
      group = await alice.peer.newGroup([bob.client.inboxId], { name: 'Parley interop' });
      expect(group.type).toBe('group');
      expect(group.name).toBe('Parley interop');
      await alice.peer.send(group.id, 'hello group');
      await untilText(bob, group.id, 'hello group');

      // Carol joins an existing group: her key package fetched, a welcome to her installation,
      // and the commit's position in the group as her starting cursor.
      await alice.peer.addMembers(group.id, [carol.client.inboxId]);
      await alice.peer.send(group.id, 'welcome carol');
      for (const m of [bob, carol]) {
        await untilText(m, group.id, 'welcome carol');
        expect((await m.peer.conversation(group.id)).name).toBe('Parley interop');
      }
      const memberIds = (await alice.peer.members(group.id)).map((m) => m.inboxId).sort();
      expect(memberIds).toEqual([alice, bob, carol].map((m) => m.client.inboxId).sort());

      await bob.peer.send(group.id, 'bob in the group');
      await untilText(carol, group.id, 'bob in the group');
      await untilText(alice, group.id, 'bob in the group');

      await alice.peer.updateName(group.id, 'Parley interop, renamed');
      for (const m of [bob, carol]) {
        await eventually(
          `${m.name} sees the new group name`,
          async () => {
            await m.peer.sync(group.id);
            const { name } = await m.peer.conversation(group.id);
            return name === 'Parley interop, renamed' ? name : undefined;
          },
          { timeoutMs: SETTLE_MS, intervalMs: 500, describe: () => describeState(m) },
        );
      }

      await alice.peer.removeMembers(group.id, [carol.client.inboxId]);
      await eventually(
        'bob sees carol removed',
        async () => {
          await bob.peer.sync(group.id);
          const ids = (await bob.peer.members(group.id)).map((m) => m.inboxId).sort();
          return ids.length === 2 ? ids : undefined;
        },
        { timeoutMs: SETTLE_MS, intervalMs: 500, describe: () => describeState(bob) },
      );
      expect((await bob.peer.members(group.id)).map((m) => m.inboxId).sort())
        .toEqual([alice.client.inboxId, bob.client.inboxId].sort());
      await eventually(
        'carol sees she is no longer in the group',
        async () => {
          await carol.peer.sync(group.id).catch(() => undefined);
          return (await carol.peer.conversation(group.id)).isActive ? undefined : true;
        },
        { timeoutMs: SETTLE_MS, intervalMs: 500, describe: () => describeState(carol) },
      );

      await alice.peer.send(group.id, 'after carol left');
      await untilText(bob, group.id, 'after carol left');
      await carol.peer.sync(group.id).catch(() => undefined);
      expect(await carol.peer.texts(group.id)).not.toContain('after carol left');
    });

    it('streamAllMessages receives messages sent after it started', { timeout: STEP_TIMEOUT_MS }, async () => {
      await bob.peer.startStream();
      const inDm = await alice.peer.send(dm.id, 'streamed in the DM');
      const inGroup = await alice.peer.send(group.id, 'streamed in the group');

      const streamed = await eventually(
        'bob streams both messages',
        async () => {
          const { messages } = await bob.peer.streamed();
          const texts = messages.map((m) => m.content);
          return texts.includes('streamed in the DM') && texts.includes('streamed in the group') ? messages : undefined;
        },
        {
          timeoutMs: SETTLE_MS,
          describe: async () => `bob's stream: ${JSON.stringify(await bob.peer.streamed())}\n${await describeState(bob)}`,
        },
      );
      expect(streamed.find((m) => m.content === 'streamed in the DM')).toMatchObject({ id: inDm, conversationId: dm.id });
      expect(streamed.find((m) => m.content === 'streamed in the group')).toMatchObject({ id: inGroup, conversationId: group.id });
      await bob.peer.stopStream();
    });

    it('after a SIGKILL and a restart on the same data, every message and conversation is there', { timeout: STEP_TIMEOUT_MS }, async () => {
      // What each member has before the crash.
      const before = new Map<string, Map<string, string[]>>();
      for (const m of [alice, bob, carol]) {
        await m.peer.syncAll();
        const seen = new Map<string, string[]>();
        for (const c of await m.peer.conversations()) {
          seen.set(c.id, (await m.peer.messages(c.id)).map((msg) => msg.id));
        }
        before.set(m.name, seen);
      }
      // Acknowledged by the node, fetched by nobody before the crash.
      await alice.peer.send(dm.id, 'sent just before the crash');
      const carolsDm = await alice.peer.newDm(carol.client.inboxId);
      await alice.peer.send(carolsDm.id, 'hello carol, just before the crash');

      // The clients go (their databases stay), then the node dies without warning.
      const installations = new Map([alice, bob, carol].map((m) => [m.name, m.client.installationId]));
      await Promise.all([alice, bob, carol].map((m) => m.peer.close()));
      await node.kill('SIGKILL');
      await node.restart();

      const again = (m: Member): Promise<Member> => startMember(m.name, m.identity, m.dbPath);
      [alice, bob, carol] = await Promise.all([again(alice), again(bob), again(carol)]);
      for (const m of [alice, bob, carol]) {
        expect(m.client.installationId, `${m.name} keeps its installation`).toBe(installations.get(m.name));
      }

      for (const m of [alice, bob, carol]) {
        await m.peer.syncAll();
        const now = new Set((await m.peer.conversations()).map((c) => c.id));
        for (const [conversationId, messageIds] of before.get(m.name)!) {
          expect(now.has(conversationId), `${m.name} still has conversation ${conversationId}`).toBe(true);
          const ids = new Set((await m.peer.messages(conversationId)).map((msg) => msg.id));
          const lost = messageIds.filter((id) => !ids.has(id));
          expect(lost, `${m.name} lost messages in ${conversationId}`).toEqual([]);
        }
      }

      // What was acknowledged before the kill reaches the ones who had not fetched it.
      await untilText(bob, dm.id, 'sent just before the crash');
      await untilText(carol, carolsDm.id, 'hello carol, just before the crash');

      // The node goes on after the restart: new messages, new ids after the old cursors.
      await bob.peer.send(dm.id, 'after the restart');
      await untilText(alice, dm.id, 'after the restart');
      await bob.peer.send(group.id, 'group after the restart');
      await untilText(alice, group.id, 'group after the restart');

      // Identity state survived: a new installation of alice's inbox and a newcomer who
      // finds everyone.
      const alice2 = await startMember('alice-2', alice.identity, join(workDir, 'alice-2.db3'));
      expect(alice2.client.inboxId).toBe(alice.client.inboxId);
      expect(alice2.client.installationId).not.toBe(alice.client.installationId);
      const dave = await startMember('dave', newPeerIdentity(), join(workDir, 'dave.db3'));
      expect(await dave.peer.canMessage([alice.identity.address, bob.identity.address, carol.identity.address])).toEqual({
        [alice.identity.address]: true,
        [bob.identity.address]: true,
        [carol.identity.address]: true,
      });
    });
  });
}
