import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group } from '../../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

async function joinedGroup(user: TestUser, id: string): Promise<Group> {
  await user.client.conversations.sync();
  const group = await user.client.conversations.getConversationById(id);
  if (group?.kind !== 'group') throw new Error(`${user.address} did not join group ${id}`);
  await group.sync();
  return group;
}

describe('group conversations', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('three members talk in a group: everyone reads everyone, in order', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, carol.client.inboxId], { name: 'trio' });
    expect(group.name).toBe('trio');
    await group.sendText('hi all, alice here');

    const bobGroup = await joinedGroup(bob, group.id);
    const carolGroup = await joinedGroup(carol, group.id);
    expect(bobGroup.name).toBe('trio');
    await bobGroup.sendText('bob here');
    await carolGroup.sync();
    await carolGroup.sendText('carol here');

    for (const g of [group, bobGroup, carolGroup]) await g.sync();
    for (const g of [group, bobGroup, carolGroup]) {
      expect(texts(await g.messages())).toEqual(['hi all, alice here', 'bob here', 'carol here']);
    }
    const members = await bobGroup.members();
    expect(members.map((m) => m.inboxId).sort()).toEqual([alice, bob, carol].map((u) => u.client.inboxId).sort());
    expect(members.find((m) => m.inboxId === alice.client.inboxId)?.permissionLevel).toBe('super_admin');
    expect(members.find((m) => m.inboxId === bob.client.inboxId)?.accountIdentifiers).toEqual([
      { identifier: bob.address.toLowerCase(), identifierKind: 'Ethereum' },
    ]);
    // The welcome left each joiner a "you were added" transcript message.
    const bobUpdates = (await bobGroup.messages()).filter((m) => m.kind === 'membershipChange');
    expect(bobUpdates[0]?.content).toMatchObject({ type: 'groupUpdated', addedInboxes: [bob.client.inboxId] });
  });

  it('rename, description and image travel as commits and the others see them with a transcript', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address], { name: 'before' });
    const bobGroup = await joinedGroup(bob, group.id);

    await group.updateName('after');
    await group.updateDescription('a place for tests');
    await group.updateImageUrl('https://example.com/a.png');
    expect([group.name, group.description, group.imageUrl]).toEqual(['after', 'a place for tests', 'https://example.com/a.png']);

    await bobGroup.sync();
    expect([bobGroup.name, bobGroup.description, bobGroup.imageUrl]).toEqual(['after', 'a place for tests', 'https://example.com/a.png']);
    const changes = (await bobGroup.messages())
      .filter((m) => m.content?.type === 'groupUpdated')
      .flatMap((m) => (m.content?.type === 'groupUpdated' ? m.content.metadataFieldChanges : []));
    expect(changes).toEqual([
      { fieldName: 'group_name', oldValue: 'before', newValue: 'after' },
      { fieldName: 'description', oldValue: '', newValue: 'a place for tests' },
      { fieldName: 'group_image_url_square', oldValue: '', newValue: 'https://example.com/a.png' },
    ]);
    // The same transcript message on both sides, with the same id.
    const ids = async (g: Group) => (await g.messages()).filter((m) => m.kind === 'membershipChange' && m.content?.type === 'groupUpdated' && m.content.metadataFieldChanges.length > 0).map((m) => m.id);
    expect(await ids(group)).toEqual(await ids(bobGroup));
  });

  it('adds a member later, then removes one, who can no longer read what follows', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address]);
    const bobGroup = await joinedGroup(bob, group.id);

    await group.addMembers([carol.address]);
    const carolGroup = await joinedGroup(carol, group.id);
    await group.sendText('carol is in');
    await carolGroup.sync();
    await bobGroup.sync();
    expect(texts(await carolGroup.messages())).toEqual(['carol is in']);

    await group.removeMembers([bob.client.inboxId]);
    await group.sendText('bob is out');
    await bobGroup.sync();
    await carolGroup.sync();
    expect(bobGroup.isActive).toBe(false);
    expect(texts(await bobGroup.messages())).toEqual(['carol is in']);
    expect(texts(await carolGroup.messages())).toEqual(['carol is in', 'bob is out']);
    expect((await carolGroup.members()).map((m) => m.inboxId).sort()).toEqual([alice.client.inboxId, carol.client.inboxId].sort());
    await expect(bobGroup.sendText('still here?')).rejects.toMatchObject({ code: 'Client.NotActive' });
    const removal = (await bobGroup.messages()).find((m) => m.content?.type === 'groupUpdated' && m.content.removedInboxes.length > 0);
    expect(removal?.content).toMatchObject({ removedInboxes: [bob.client.inboxId], initiatedByInboxId: alice.client.inboxId });
  });

  it('refuses a change the policies do not allow before anything is sent', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, carol.address]);
    const bobGroup = await joinedGroup(bob, group.id);
    const epoch = bobGroup.epoch;
    // Default policy: removing members needs an admin; bob is a plain member.
    await expect(bobGroup.removeMembers([carol.client.inboxId])).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
    expect(bobGroup.epoch).toBe(epoch);
    await group.sync();
    expect(group.epoch).toBe(epoch);
  });
});
