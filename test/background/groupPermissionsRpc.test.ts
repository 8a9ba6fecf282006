import { beforeEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/core/errors';
import { createHarness, resetBrowser } from './harness';
import { VALID_DAPP_PARAMS } from './validDappParams';

const DAPP = 'http://localhost:5173';
const OTHER = 'https://other.test';
const BOB = 'b0'.repeat(32);
const ROLE_METHODS = ['xmtp_groupPermissions', 'xmtp_addAdmin', 'xmtp_removeAdmin', 'xmtp_addSuperAdmin', 'xmtp_removeSuperAdmin', 'xmtp_updatePermission'] as const;

beforeEach(() => resetBrowser());

describe('group roles and permissions over window.xmtp', () => {
  it('a site makes an admin and changes a policy in a group it created; the answer is the group’s new roles', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const group = (await dapp.request('xmtp_createGroup', { identifiers: [], name: 'team', permissions: 'admin_only' })).result as { id: string };

    const added = await dapp.request('xmtp_addAdmin', { conversationId: group.id, inboxId: BOB });
    expect(added.result).toMatchObject({ conversationId: group.id, adminInboxIds: [BOB] });
    const changed = await dapp.request('xmtp_updatePermission', { conversationId: group.id, update: 'updateMetadata', field: 'group_name', option: 'superAdmin' });
    expect(changed.result).toMatchObject({ preset: 'custom' });
    expect(h.messaging.permissionChanges).toEqual([{ conversationId: group.id, change: { update: 'updateMetadata', field: 'group_name', option: 'superAdmin' } }]);
    expect(((await dapp.request('xmtp_groupPermissions', { conversationId: group.id })).result as { adminInboxIds: string[] }).adminInboxIds).toEqual([BOB]);
  });

  it('another site cannot read or change the roles of a group it does not see: "not found", and nothing changes', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const other = await h.grant(OTHER, 'site');
    const group = (await dapp.request('xmtp_createGroup', { identifiers: [] })).result as { id: string };
    for (const method of ROLE_METHODS) {
      const params = { ...(VALID_DAPP_PARAMS[method] as object), conversationId: group.id };
      expect((await other.request(method, params)).error, method).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    }
    expect(h.messaging.roles.size).toBe(0);
    expect(h.messaging.permissionChanges).toEqual([]);
  });

  it('refuses roles and policies on a DM the site sees', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const dm = (await dapp.request('xmtp_createDm', { identifier: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' })).result as { id: string };
    for (const method of ROLE_METHODS) {
      const params = { ...(VALID_DAPP_PARAMS[method] as object), conversationId: dm.id };
      expect((await dapp.request(method, params)).error, method).toMatchObject({ code: -32602, data: { code: 'Rpc.InvalidParams' } });
    }
  });

  it('a member without the right gets the permission error with its reason, not "Internal error"', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const group = (await dapp.request('xmtp_createGroup', { identifiers: [] })).result as { id: string };
    h.messaging.updateAdminList = async () => {
      throw new ParleyError('Group.PermissionDenied', 'This group’s permissions do not let you make admins.', { details: 'inbox x: addAdmin' });
    };
    expect((await dapp.request('xmtp_addAdmin', { conversationId: group.id, inboxId: BOB })).error).toEqual({
      code: -32602,
      message: 'This group’s permissions do not let you make admins.',
      data: { code: 'Group.PermissionDenied', details: 'inbox x: addAdmin' },
    });
  });
});
