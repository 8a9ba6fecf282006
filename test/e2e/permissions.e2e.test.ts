import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as CoreClient, createMemoryStore, type Client, type Group } from '../../src/core/client';
import type { GroupPermissions } from '../../src/core/rpc';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { eventually } from '../interop/eventually';
import { ParleyNode } from '../interop/parleyNode';
import type { ExtensionBrowser } from './browser';
import type { DriverPage } from './driver';
import { loadSdk } from './sdkInPage';
import { buildExtension, launchWithExtension, onboard, requestAndApprove, startDappServer, uiCall, xmtpRequest } from './browser';

/*
 * Group roles and permissions through window.xmtp in real headless Chromium with the built
 * extension, against a parley-node of this test and a core Client (bob) as the other member:
 * the dApp makes an admin_only group and bob a super admin, bob takes the user's super admin
 * role away, and the dApp's next policy change is refused with Group.PermissionDenied before
 * anything is sent (bob's group keeps its policy).
 */

const PASSWORD = 'permissions e2e password';

let extensionDir: string;
let node: ParleyNode;
let sites: Awaited<ReturnType<typeof startDappServer>>;
let browser: ExtensionBrowser;
let address: string;
let inboxId: string;
let bob: Client;

beforeAll(async () => {
  extensionDir = buildExtension();
  node = await ParleyNode.start();
  sites = await startDappServer();
  browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, PASSWORD);
  ({ address, inboxId } = onboarded);
  const set = await uiCall(onboarded.page, 'settings_set', { nodeUrl: node.webUrl });
  if (!set.ok) throw new Error(`settings_set: ${JSON.stringify(set.error)}`);
  await onboarded.page.close();
  bob = await CoreClient.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
}, 180_000);

afterAll(async () => {
  bob?.close();
  await browser?.close();
  await sites?.close();
  await node?.stop();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url);
  return page;
}

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
