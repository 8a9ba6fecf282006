import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Group } from '../../../src/core/client';
import type * as CommitValidation from '../../../src/core/client/commitValidation';
import type * as OwnChangeCheck from '../../../src/core/mls/ownChangeCheck';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

/**
 * While `forge` is on, this process's clients skip their own pre-send checks, as a modified
 * client would: what the receivers then do is the second line of defence under test.
 */
const forge = vi.hoisted(() => ({ on: false }));
vi.mock('../../../src/core/mls/ownChangeCheck', async (importOriginal) => {
  const original = await importOriginal<typeof OwnChangeCheck>();
  return { assertOwnChangePermitted: (...args: Parameters<typeof original.assertOwnChangePermitted>) => (forge.on ? undefined : original.assertOwnChangePermitted(...args)) };
});
vi.mock('../../../src/core/client/commitValidation', async (importOriginal) => {
  const original = await importOriginal<typeof CommitValidation>();
  return {
    ...original,
    validateIncomingCommit: (...args: Parameters<typeof original.validateIncomingCommit>) =>
      forge.on ? Promise.resolve({ content: undefined, newExtensions: args[2].groupContext.extensions }) : original.validateIncomingCommit(...args),
  };
});

async function joinedGroup(user: TestUser, id: string): Promise<Group> {
  await user.client.conversations.sync();
  const group = await user.client.conversations.getConversationById(id);
  if (group?.kind !== 'group') throw new Error(`${user.address} did not join group ${id}`);
  await group.sync();
  return group;
}

describe('group roles and permissions', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('the super admin makes bob an admin; bob may then remove carol, which a plain member may not', async () => {
    const [alice, bob, carol, dave] = await Promise.all([newUser(network), newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, carol.address, dave.address], { name: 'roles' });
    const [bobGroup, daveGroup] = [await joinedGroup(bob, group.id), await joinedGroup(dave, group.id)];
    // Each joiner self-updated on joining: everyone catches up first.
    for (const g of [group, bobGroup, daveGroup]) await g.sync();

    await expect(daveGroup.removeMembers([carol.client.inboxId])).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    await expect(bobGroup.addAdmin(bob.client.inboxId)).rejects.toMatchObject({
      code: 'Group.PermissionDenied',
      shortMessage: 'This group’s permissions do not let you make admins.',
    });
    expect(bobGroup.epoch).toBe(group.epoch);

    await group.addAdmin(bob.client.inboxId);
    await bobGroup.sync();
    expect(bobGroup.isAdmin(bob.client.inboxId)).toBe(true);
    expect((await bobGroup.members()).find((m) => m.inboxId === bob.client.inboxId)?.permissionLevel).toBe('admin');
    const update = (await bobGroup.messages()).find((m) => m.content?.type === 'groupUpdated' && m.content.addedAdminInboxes.length > 0);
    expect(update?.content).toMatchObject({ addedAdminInboxes: [bob.client.inboxId], initiatedByInboxId: alice.client.inboxId });

    await bobGroup.removeMembers([carol.client.inboxId]);
    await group.sync();
    expect((await group.members()).map((m) => m.inboxId)).not.toContain(carol.client.inboxId);

    // An admin still cannot make admins (super admin only by default); the super admin can take the role back.
    await expect(bobGroup.addAdmin(dave.client.inboxId)).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    await group.removeAdmin(bob.client.inboxId);
    await bobGroup.sync();
    expect(bobGroup.isAdmin(bob.client.inboxId)).toBe(false);
  });

  it('super admins: a second one may act, the last one cannot step down, and nobody removes a super admin', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address]);
    const bobGroup = await joinedGroup(bob, group.id);
    await expect(group.removeSuperAdmin(alice.client.inboxId)).rejects.toMatchObject({ code: 'Group.PermissionDenied' });

    await group.addSuperAdmin(bob.client.inboxId);
    await bobGroup.sync();
    expect(bobGroup.isSuperAdmin(bob.client.inboxId)).toBe(true);
    await expect(bobGroup.removeMembers([alice.client.inboxId])).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    await bobGroup.removeSuperAdmin(alice.client.inboxId);
    await group.sync();
    expect([...group.superAdminInboxIds]).toEqual([bob.client.inboxId]);
    expect((await group.members()).find((m) => m.inboxId === alice.client.inboxId)?.permissionLevel).toBe('member');
  });

  it('an admin_only group: members cannot add or rename until the super admin opens add_member to all', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address], { name: 'locked', permissions: 'admin_only' });
    const bobGroup = await joinedGroup(bob, group.id);
    expect(bobGroup.permissions()).toMatchObject({ preset: 'admin_only', addMember: 'admin', updateMetadata: { group_name: 'admin' } });
    await expect(bobGroup.addMembers([carol.address])).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    await expect(bobGroup.updateName('mine')).rejects.toMatchObject({ code: 'Group.PermissionDenied', shortMessage: expect.stringContaining('group setting') });
    await expect(bobGroup.updatePermission({ update: 'addMember', option: 'allow' })).rejects.toMatchObject({ code: 'Group.PermissionDenied' });

    await group.updatePermission({ update: 'addMember', option: 'allow' });
    await bobGroup.sync();
    expect(bobGroup.permissions()).toMatchObject({ preset: 'custom', addMember: 'allow' });
    await bobGroup.addMembers([carol.address]);
    const carolGroup = await joinedGroup(carol, group.id);
    await group.sync();
    await group.sendText('carol came in through bob');
    await carolGroup.sync();
    expect(texts(await carolGroup.messages())).toEqual(['carol came in through bob']);
    // The name stays admin-only.
    await expect(bobGroup.updateName('mine')).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
  });

  it('a metadata policy set to deny binds even the super admin', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address], { name: 'fixed' });
    await group.updatePermission({ update: 'updateMetadata', field: 'group_name', option: 'deny' });
    await expect(group.updateName('renamed')).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    const bobGroup = await joinedGroup(bob, group.id);
    expect(bobGroup.permissions().updateMetadata.group_name).toBe('deny');
    await expect(group.updatePermission({ update: 'updateMetadata', option: 'deny' })).rejects.toMatchObject({ code: 'Group.BadPermissionUpdate' });
  });

  it('a forged admin grant from a plain member is refused by every receiver and changes nothing for them', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, carol.address]);
    const [bobGroup, carolGroup] = [await joinedGroup(bob, group.id), await joinedGroup(carol, group.id)];
    // Each joiner self-updated on joining: everyone catches up first.
    for (const g of [group, bobGroup, carolGroup]) await g.sync();
    const epochBefore = group.epoch;

    forge.on = true;
    try {
      await bobGroup.addAdmin(bob.client.inboxId);
    } finally {
      forge.on = false;
    }
    expect(bobGroup.isAdmin(bob.client.inboxId)).toBe(true); // only in bob's own, forked view

    await group.sync();
    await carolGroup.sync();
    for (const g of [group, carolGroup]) {
      expect(g.isAdmin(bob.client.inboxId)).toBe(false);
      expect(g.epoch).toBe(epochBefore);
      expect(g.refusedMessages.at(-1)).toMatchObject({ kind: 'membershipChange' });
    }
    // The honest members go on talking.
    await group.sendText('still ours');
    await carolGroup.sync();
    expect(texts(await carolGroup.messages())).toEqual(['still ours']);
  });
});
