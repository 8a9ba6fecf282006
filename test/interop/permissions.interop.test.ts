import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client, createMemoryStore, type Group } from '../../src/core/client';
import type * as CommitValidation from '../../src/core/client/commitValidation';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import type * as OwnChangeCheck from '../../src/core/mls/ownChangeCheck';
import { eventually } from './eventually';
import { describeScene, saveLogsAndStop, type InteropScene } from './interopScene';
import { ParleyNode } from './parleyNode';
import { roles, updateAdminList, updatePermission } from './permissionsPeerCommands';
import { startSdkMember as startSdkMemberAt, type SdkMember } from './sdkMember';
import { requireInteropEnv } from './testEnv';

// Group roles and permissions between a Parley client (alice, in this process) and unmodified
// @xmtp/node-sdk 6.0.0 clients (bob, carol) on one parley-node: changes made on either side are
// honoured by the other, and a forbidden change is refused by the sender and by the receivers.

/** While on, alice skips her own pre-send checks, as a modified client would. */
const forge = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/core/mls/ownChangeCheck', async (importOriginal) => {
  const original = await importOriginal<typeof OwnChangeCheck>();
  return { assertOwnChangePermitted: (...args: Parameters<typeof original.assertOwnChangePermitted>) => (forge.on ? undefined : original.assertOwnChangePermitted(...args)) };
});
vi.mock('../../src/core/client/commitValidation', async (importOriginal) => {
  const original = await importOriginal<typeof CommitValidation>();
  return {
    ...original,
    validateIncomingCommit: (...args: Parameters<typeof original.validateIncomingCommit>) =>
      forge.on ? Promise.resolve({ content: undefined, newExtensions: args[2].groupContext.extensions }) : original.validateIncomingCommit(...args),
  };
});

const STEP_TIMEOUT_MS = 300_000;
const SETTLE_MS = 90_000;
const POLL_MS = 500;

describe('group roles and permissions with node-sdk 6.0.0 clients', () => {
  let workDir: string;
  let node: ParleyNode;
  const peers: SdkMember[] = [];
  let alice: Client;
  let bob: SdkMember;
  let carol: SdkMember;

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

  async function aliceGroup(id: string, until: (g: Group) => boolean = () => true): Promise<Group> {
    return untilAlice(`has group ${id} as expected`, async () => {
      await alice.conversations.syncAll();
      const group = await alice.conversations.getConversationById(id);
      return group?.kind === 'group' && until(group) ? group : undefined;
    });
  }

  async function sdkHasGroup(member: SdkMember, id: string): Promise<void> {
    await untilSdk(member, `joins ${id}`, async () => ((await member.peer.conversations('group')).some((c) => c.id === id) ? true : undefined));
  }

  /** Runs a node-sdk call libxmtp must refuse, and checks that its refusal was the permission check. */
  async function refusedByLibxmtp(member: SdkMember, call: () => Promise<unknown>): Promise<void> {
    const mark = member.peer.log.length;
    await expect(call()).rejects.toThrow();
    expect(member.peer.log.slice(mark).some((line) => line.includes('InsufficientPermissions')), member.peer.logTail(20)).toBe(true);
  }

  const memberIds = async (member: SdkMember, id: string) => (await member.peer.members(id)).map((m) => m.inboxId);

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-permissions-interop-'));
    node = await ParleyNode.start({ logLevel: 'debug' });
    const [aliceClient, bobMember, carolMember] = await Promise.all([
      Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() }),
      startSdkMemberAt('bob', { apiUrl: node.apiUrl, workDir }),
      startSdkMemberAt('carol', { apiUrl: node.apiUrl, workDir }),
    ]);
    alice = aliceClient;
    bob = bobMember;
    carol = carolMember;
    peers.push(bob, carol);
  }, 180_000);

  afterAll(() => saveLogsAndStop('permissions', scene()), 60_000);

  it('Parley makes a node-sdk member an admin and tightens a policy; libxmtp lets that admin remove a member and shows the policy', { timeout: STEP_TIMEOUT_MS }, async () => {
    const group = await alice.conversations.createGroup([bob.client.inboxId, carol.client.inboxId], { name: 'parley-led' });
    await sdkHasGroup(bob, group.id);
    // Before the grant libxmtp refuses bob's removal of carol; it publishes the commit first and
    // refuses it as its own message comes back, so Parley gets it too, and must refuse it as well.
    await refusedByLibxmtp(bob, () => bob.peer.removeMembers(group.id, [carol.client.inboxId]));
    await group.sync();
    expect((await group.members()).map((m) => m.inboxId)).toContain(carol.client.inboxId);
    expect(group.refusedMessages.at(-1)).toMatchObject({ kind: 'membershipChange' });

    await group.addAdmin(bob.client.inboxId);
    await group.updatePermission({ update: 'updateMetadata', field: 'group_name', option: 'admin' });
    const bobView = await untilSdk(bob, 'sees itself as admin and the name policy', async () => {
      const r = await roles(bob.peer, group.id);
      return r.admins.includes(bob.client.inboxId) && r.policySet.updateGroupNamePolicy === 'admin' ? r : undefined;
    });
    expect(bobView).toMatchObject({ superAdmins: [alice.inboxId], policyType: 'custom', policySet: { addMemberPolicy: 'allow', removeMemberPolicy: 'admin', addAdminPolicy: 'superAdmin' } });

    await bob.peer.removeMembers(group.id, [carol.client.inboxId]);
    await untilAlice('sees carol removed by bob', async () => {
      await group.sync();
      return (await group.members()).some((m) => m.inboxId === carol.client.inboxId) ? undefined : true;
    });
    expect((await group.members()).find((m) => m.inboxId === bob.client.inboxId)?.permissionLevel).toBe('admin');
  });

  it('node-sdk makes Parley an admin of an admin_only group and changes a policy; Parley acts within them and refuses the rest locally', { timeout: STEP_TIMEOUT_MS }, async () => {
    const created = await bob.peer.newGroup([alice.inboxId, carol.client.inboxId], { name: 'sdk-led', permissions: 'admin_only' });
    const group = await aliceGroup(created.id);
    expect(group.permissions()).toMatchObject({ preset: 'admin_only', addMember: 'admin', removeMember: 'admin' });
    const epoch = group.epoch;
    await expect(group.removeMembers([carol.client.inboxId])).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    expect(group.epoch).toBe(epoch);

    await updateAdminList(bob.peer, created.id, 'addAdmin', alice.inboxId);
    await updatePermission(bob.peer, created.id, { update: 'updateMetadata', field: 'description', option: 'superAdmin' });
    await aliceGroup(created.id, (g) => g.isAdmin(alice.inboxId) && g.permissions().updateMetadata.description === 'superAdmin');
    expect(group.permissions().preset).toBe('custom');
    await expect(group.updateDescription('mine')).rejects.toMatchObject({ code: 'Group.PermissionDenied' });

    await group.removeMembers([carol.client.inboxId]);
    await untilSdk(bob, 'sees carol removed by alice', async () => ((await memberIds(bob, created.id)).includes(carol.client.inboxId) ? undefined : true));
    await group.updateName('renamed by an admin');
    await untilSdk(bob, 'sees the new name', async () => ((await bob.peer.conversation(created.id)).name === 'renamed by an admin' ? true : undefined));
  });

  it('a Parley admin_only group: libxmtp refuses a member’s add until Parley’s super admin opens it, then honours it', { timeout: STEP_TIMEOUT_MS }, async () => {
    const group = await alice.conversations.createGroup([bob.client.inboxId], { name: 'closed', permissions: 'admin_only' });
    await sdkHasGroup(bob, group.id);
    expect((await roles(bob.peer, group.id)).policyType).toBe('admin_only');
    await refusedByLibxmtp(bob, () => bob.peer.addMembers(group.id, [carol.client.inboxId]));
    // A node-sdk member's admin grant to itself is refused by libxmtp too, and by Parley.
    await refusedByLibxmtp(bob, () => updateAdminList(bob.peer, group.id, 'addAdmin', bob.client.inboxId));
    await group.sync();
    expect(group.adminInboxIds).toEqual([]);
    expect((await group.members()).map((m) => m.inboxId)).not.toContain(carol.client.inboxId);

    await group.updatePermission({ update: 'addMember', option: 'allow' });
    await untilSdk(bob, 'sees add_member opened', async () => ((await roles(bob.peer, group.id)).policySet.addMemberPolicy === 'allow' ? true : undefined));
    await bob.peer.addMembers(group.id, [carol.client.inboxId]);
    await untilAlice('sees carol added by bob', async () => {
      await group.sync();
      return (await group.members()).some((m) => m.inboxId === carol.client.inboxId) ? true : undefined;
    });
    await group.sendText('welcome carol');
    await untilSdk(carol, 'reads alice', async () => ((await carol.peer.conversations('group')).some((c) => c.id === group.id) && (await carol.peer.texts(group.id)).includes('welcome carol') ? true : undefined));
  });

  it('a plain Parley member is refused an admin grant locally; forged anyway, libxmtp receivers refuse it', { timeout: STEP_TIMEOUT_MS }, async () => {
    const created = await bob.peer.newGroup([alice.inboxId, carol.client.inboxId], { name: 'guarded' });
    const group = await aliceGroup(created.id);
    await sdkHasGroup(carol, created.id);
    await expect(group.addAdmin(alice.inboxId)).rejects.toMatchObject({ code: 'Group.PermissionDenied' });

    forge.on = true;
    try {
      await group.addAdmin(alice.inboxId);
    } finally {
      forge.on = false;
    }
    expect(group.isAdmin(alice.inboxId)).toBe(true); // only in alice's forked view
    // The forged commit is on the node; both libxmtp members process it and keep alice a member.
    await bob.peer.send(created.id, 'after the forgery');
    await untilSdk(carol, 'reads bob after the forged commit', async () => ((await carol.peer.texts(created.id)).includes('after the forgery') ? true : undefined));
    for (const member of [bob, carol]) {
      await member.peer.sync(created.id);
      expect((await roles(member.peer, created.id)).admins).toEqual([]);
      expect((await member.peer.members(created.id)).find((m) => m.inboxId === alice.inboxId)?.permissionLevel).toBe(0);
    }
  });
});
