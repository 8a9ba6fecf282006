import { describe, expect, it } from 'vitest';
import { Dm, Group, Parley } from '../../src/sdk/index';
import type { ParleyClient } from '../../src/sdk/index';
import { BOB_ADDRESS, BOB_INBOX, conversation, grantedProvider } from './fakeProvider';
import type { FakeProvider } from './fakeProvider';

async function connected(setup: (p: FakeProvider) => void): Promise<{ client: ParleyClient; provider: FakeProvider }> {
  const provider = grantedProvider();
  setup(provider);
  return { client: await Parley.connect({ provider }), provider };
}

describe('client.conversations', () => {
  it('lists DMs and groups as Dm and Group objects', async () => {
    const { client, provider } = await connected((p) => p.handle('xmtp_listConversations', () => [conversation('01', 'dm'), conversation('02', 'group', { name: 'Team' })]));
    const list = await client.conversations.list();
    expect(list[0]).toBeInstanceOf(Dm);
    expect(list[1]).toBeInstanceOf(Group);
    expect((list[0] as Dm).peerInboxId).toBe(BOB_INBOX);
    expect((list[1] as Group).name).toBe('Team');
    expect(list[0]?.createdAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    await client.conversations.listGroups();
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_listConversations', params: { kind: 'group' } });
  });

  it('creates a DM by address and sends text on it', async () => {
    const { client, provider } = await connected((p) =>
      p.handle('xmtp_createDm', () => conversation('0d', 'dm')).handle('xmtp_sendMessage', () => ({ id: 'ff' })),
    );
    const dm = await client.conversations.createDm(BOB_ADDRESS);
    expect(dm.id).toBe('0d');
    expect(await dm.sendText('gm')).toBe('ff');
    expect(provider.calls.slice(-2)).toEqual([
      { method: 'xmtp_createDm', params: { identifier: BOB_ADDRESS } },
      { method: 'xmtp_sendMessage', params: { conversationId: '0d', content: { type: 'text', text: 'gm' } } },
    ]);
  });

  it('creates a named group and refreshes it after a rename', async () => {
    const { client, provider } = await connected((p) =>
      p
        .handle('xmtp_createGroup', (params) => conversation('0e', 'group', params.name === undefined ? {} : { name: params.name }))
        .handle('xmtp_updateGroup', (params) => conversation('0e', 'group', params.name === undefined ? {} : { name: params.name })),
    );
    const group = await client.conversations.createGroup([BOB_ADDRESS], { name: 'Team' });
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_createGroup', params: { identifiers: [BOB_ADDRESS], name: 'Team' } });
    expect(group.name).toBe('Team');
    await group.updateName('Crew');
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_updateGroup', params: { conversationId: '0e', name: 'Crew' } });
    expect(group.name).toBe('Crew');
  });

  it('creates an admin_only group, manages its admins and policies, and surfaces a permission refusal with its code', async () => {
    const roles = (admins: string[]) => ({
      conversationId: '0e',
      preset: 'admin_only' as const,
      adminInboxIds: admins,
      superAdminInboxIds: [],
      policies: { addMember: 'admin' as const, removeMember: 'admin' as const, addAdmin: 'superAdmin' as const, removeAdmin: 'superAdmin' as const, updatePermissions: 'superAdmin' as const, updateMetadata: {} },
    });
    const { client, provider } = await connected((p) =>
      p
        .handle('xmtp_createGroup', () => conversation('0e', 'group'))
        .handle('xmtp_addAdmin', (params) => roles([params.inboxId]))
        .handle('xmtp_groupPermissions', () => roles([BOB_INBOX]))
        .handle('xmtp_updatePermission', () => {
          throw { code: -32602, message: 'This group’s permissions do not let you change the group’s permissions.', data: { code: 'Group.PermissionDenied' } };
        }),
    );
    const group = await client.conversations.createGroup([BOB_ADDRESS], { permissions: 'admin_only' });
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_createGroup', params: { identifiers: [BOB_ADDRESS], permissions: 'admin_only' } });
    expect((await group.addAdmin(BOB_INBOX)).adminInboxIds).toEqual([BOB_INBOX]);
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_addAdmin', params: { conversationId: '0e', inboxId: BOB_INBOX } });
    expect((await group.permissions()).preset).toBe('admin_only');
    await expect(group.updatePermission('updateMetadata', 'deny', 'group_name')).rejects.toMatchObject({
      name: 'XmtpRpcError',
      code: -32602,
      parleyCode: 'Group.PermissionDenied',
      message: expect.stringContaining('do not let you'),
    });
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_updatePermission', params: { conversationId: '0e', update: 'updateMetadata', option: 'deny', field: 'group_name' } });
  });

  it('reads messages with paging options and sets consent', async () => {
    const { client, provider } = await connected((p) =>
      p.handle('xmtp_createDm', () => conversation('0d', 'dm', { consentState: 'unknown' })).handle('xmtp_getMessages', () => []).handle('xmtp_setConsent', () => true),
    );
    const dm = await client.conversations.createDm(BOB_ADDRESS);
    await dm.messages({ limit: 20, beforeNs: '5' });
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_getMessages', params: { conversationId: '0d', limit: 20, beforeNs: '5' } });
    await dm.updateConsentState('denied');
    expect(dm.consentState).toBe('denied');
  });

  it('asks for the push-filter keys of every conversation it sees, or of one', async () => {
    const keys = (id: string) => [{ conversationId: id, groupId: id, topic: `/xmtp/mls/1/g-${id}/proto`, keys: [{ epoch: 693, key: 'ab'.repeat(42) }] }];
    const { client, provider } = await connected((p) =>
      p.handle('xmtp_createDm', () => conversation('0d', 'dm')).handle('xmtp_hmacKeys', (params) => (params.conversationId === undefined ? [...keys('0d'), ...keys('0e')] : keys(params.conversationId))),
    );
    expect((await client.conversations.hmacKeys()).map((k) => k.groupId)).toEqual(['0d', '0e']);
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_hmacKeys', params: {} });
    const dm = await client.conversations.createDm(BOB_ADDRESS);
    expect(await dm.hmacKeys()).toEqual(keys('0d'));
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_hmacKeys', params: { conversationId: '0d' } });
  });

  it('asks the extension for a self-update in the conversation', async () => {
    const { client, provider } = await connected((p) => p.handle('xmtp_createGroup', () => conversation('0e', 'group')).handle('xmtp_updateKeys', () => true));
    const group = await client.conversations.createGroup([BOB_ADDRESS]);
    await group.updateKeys();
    expect(provider.calls.at(-1)).toEqual({ method: 'xmtp_updateKeys', params: { conversationId: '0e' } });
  });

  it('reports canMessage per identifier, false for those the extension left out', async () => {
    const { client } = await connected((p) => p.handle('xmtp_canMessage', () => ({ [BOB_ADDRESS]: true })));
    const answer = await client.canMessage([BOB_ADDRESS, '0x0000000000000000000000000000000000000001']);
    expect([...answer.values()]).toEqual([true, false]);
  });

  it('surfaces a 4100 from a revoked site as an XmtpRpcError', async () => {
    const { client } = await connected((p) =>
      p.handle('xmtp_listConversations', () => {
        throw { code: 4100, message: 'This site has no access.', data: { code: 'Rpc.Unauthorized' } };
      }),
    );
    await expect(client.conversations.list()).rejects.toMatchObject({ name: 'XmtpRpcError', code: 4100, parleyCode: 'Rpc.Unauthorized' });
  });
});
