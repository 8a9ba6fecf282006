import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Group } from '../../src/core/client';
import type { GroupPermissions } from '../../src/core/rpc';
import { eventually } from '../interop/eventually';
import type { ExtensionBrowser } from './browser';
import { requestAndApprove, xmtpRequest } from './browser';
import type { DriverPage } from './driver';
import { startOnboardedScene, type OnboardedScene } from './onboardedScene';
import { loadSdk } from './sdkInPage';

/*
 * Group roles and permissions through window.xmtp in real headless Chromium with the built
 * extension, against a parley-node of this test and a core Client (bob) as the other member:
 * the dApp makes an admin_only group and bob a super admin, bob takes the user's super admin
 * role away, and the dApp's next policy change is refused with Group.PermissionDenied before
 * anything is sent (bob's group keeps its policy).
 */

const PASSWORD = 'permissions e2e password';

let scene: OnboardedScene;
let sites: OnboardedScene['sites'];
let browser: ExtensionBrowser;
let address: string;
let inboxId: string;
let bob: Client;

beforeAll(async () => {
  scene = await startOnboardedScene(PASSWORD);
  ({ sites, browser, address, inboxId, bob } = scene);
}, 180_000);

afterAll(() => scene?.close());

const openPage = (url: string): Promise<Page> => scene.openPage(url);

async function bobsGroup(id: string, until: (g: Group) => boolean): Promise<Group> {
  return eventually(
    `bob sees group ${id} as expected`,
    async () => {
      await bob.conversations.syncAll();
      const group = await bob.conversations.getConversationById(id);
      return group?.kind === 'group' && until(group) ? group : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

describe('group roles and permissions over window.xmtp', { timeout: 240_000 }, () => {
  it('the dApp makes an admin_only group and bob a super admin; once bob demotes the user, her policy change is refused before anything is sent', async () => {
    const dapp = await openPage(`${sites.origin('localhost')}/app`);
    expect((await requestAndApprove(browser, dapp)).access.result).toMatchObject({ scope: 'site' });
    await eventually('the user on the network', async () => ((await bob.canMessage([address])).get(address) ? true : undefined), { timeoutMs: 60_000 });

    const created = await xmtpRequest(dapp, 'xmtp_createGroup', { identifiers: [bob.accountIdentifier.identifier], name: 'crew', permissions: 'admin_only' });
    expect(created.error).toBeUndefined();
    const groupId = (created.result as { id: string }).id;
    const initial = (await xmtpRequest(dapp, 'xmtp_groupPermissions', { conversationId: groupId })).result as GroupPermissions;
    expect(initial).toMatchObject({ preset: 'admin_only', superAdminInboxIds: [inboxId], adminInboxIds: [], policies: { addMember: 'admin', removeMember: 'admin' } });

    const promoted = await xmtpRequest(dapp, 'xmtp_addSuperAdmin', { conversationId: groupId, inboxId: bob.inboxId });
    expect(promoted.result).toMatchObject({ superAdminInboxIds: [inboxId, bob.inboxId] });
    const bobGroup = await bobsGroup(groupId, (g) => g.isSuperAdmin(bob.inboxId));
    expect(bobGroup.permissions().preset).toBe('admin_only');

    await bobGroup.removeSuperAdmin(inboxId);
    await eventually(
      'the extension sees the user demoted',
      async () => {
        const roles = (await xmtpRequest(dapp, 'xmtp_groupPermissions', { conversationId: groupId })).result as GroupPermissions;
        return roles.superAdminInboxIds.includes(inboxId) ? undefined : roles;
      },
      { timeoutMs: 60_000 },
    ).then((roles) => expect(roles.superAdminInboxIds).toEqual([bob.inboxId]));

    const epoch = bobGroup.epoch;
    const refused = await xmtpRequest(dapp, 'xmtp_updatePermission', { conversationId: groupId, update: 'addMember', option: 'allow' });
    expect(refused.error).toMatchObject({
      code: -32602,
      message: 'This group’s permissions do not let you change the group’s permissions.',
      data: { code: 'Group.PermissionDenied' },
    });
    const renamed = await xmtpRequest(dapp, 'xmtp_updateGroup', { conversationId: groupId, name: 'mine' });
    expect(renamed.error).toMatchObject({ code: -32602, data: { code: 'Group.PermissionDenied' } });
    await bobGroup.sync();
    expect(bobGroup.epoch).toBe(epoch);
    expect(bobGroup.permissions().addMember).toBe('admin');
    expect(bobGroup.name).toBe('crew');
    await dapp.close();
  });

  it('the SDK in the page makes an admin_only group, an admin and a policy change that bob’s client sees', async () => {
    const dapp = await openPage(`${sites.origin('localhost')}/app`);
    await loadSdk(dapp as unknown as DriverPage);
    const outcome = await dapp.evaluate(
      async ([peer, peerInbox]) => {
        type Roles = { preset: string; adminInboxIds: string[]; policies: { addMember: string } };
        type SdkGroup = { id: string; addAdmin(id: string): Promise<Roles>; updatePermission(u: string, o: string): Promise<Roles> };
        const sdk = (window as unknown as { ParleySdk: { Parley: { connect(): Promise<{ conversations: { createGroup(ids: string[], o: object): Promise<SdkGroup> } }> } } }).ParleySdk;
        const client = await sdk.Parley.connect();
        const group = await client.conversations.createGroup([peer], { name: 'sdk crew', permissions: 'admin_only' });
        const promoted = await group.addAdmin(peerInbox);
        const opened = await group.updatePermission('addMember', 'allow');
        return { id: group.id, admins: promoted.adminInboxIds, preset: opened.preset, addMember: opened.policies.addMember };
      },
      [bob.accountIdentifier.identifier, bob.inboxId] as const,
    );
    expect(outcome).toMatchObject({ admins: [bob.inboxId], preset: 'custom', addMember: 'allow' });
    const bobGroup = await bobsGroup(outcome.id, (g) => g.isAdmin(bob.inboxId) && g.permissions().addMember === 'allow');
    expect(bobGroup.name).toBe('sdk crew');
    await dapp.close();
  });
});
