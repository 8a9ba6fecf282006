import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMessaging } from '../../src/background/clientMessaging';
import type { StoredIdentity } from '../../src/background/identities';
import type { ConversationScope, Messaging } from '../../src/background/messaging';
import { createMemoryStore } from '../../src/core/client';
import { generateInstallationKey, generateWalletPrivateKey, inboxIdFor, installationIdHex } from '../../src/core/identity';
import type { TestNetwork, TestUser } from '../core/client/clientTestKit';
import { newUser, startTestNetwork } from '../core/client/clientTestKit';
import { until } from '../content/fakeWindow';

/*
 * The worker's Messaging over a real core Client and an in-process node: the scope a request's
 * access check reads must say what the full view says, without the members.
 */

const DAPP = 'http://localhost:5173';

function newIdentity(): StoredIdentity {
  const privateKey = generateWalletPrivateKey();
  const address = privateKeyToAccount(privateKey).address.toLowerCase();
  const installation = generateInstallationKey();
  return {
    id: '01',
    label: 'Alice',
    address,
    inboxId: inboxIdFor(address),
    installationId: installationIdHex(installation.publicKey),
    createdAt: Date.now(),
    privateKey,
    installationSecret: installation.secretKey,
  };
}

function scopeFactsOf(view: ConversationScope): ConversationScope {
  const { id, kind, consentState, name, appDataOrigin } = view;
  return { id, kind, consentState, ...(name === undefined ? {} : { name }), ...(appDataOrigin === undefined ? {} : { appDataOrigin }) };
}

let network: TestNetwork;
let alice: Messaging;
let bob: TestUser;

beforeAll(async () => {
  network = await startTestNetwork();
  bob = await newUser(network);
  alice = await openMessaging(newIdentity(), createMemoryStore(), network.url);
}, 60_000);

afterAll(async () => {
  await alice?.close();
  bob?.client.close();
  await network?.stop();
});

describe('the worker messaging over a core Client', { timeout: 60_000 }, () => {
  it("gives a DM's scope, with the origin it was created through, as its full view says", async () => {
    const dm = await alice.createDm(bob.address, DAPP);
    const scope = await alice.getConversationScope(dm.id);
    expect(scope).toEqual({ id: dm.id, kind: 'dm', consentState: 'allowed', appDataOrigin: DAPP });
    expect(scopeFactsOf((await alice.getConversation(dm.id))!)).toEqual(scope);
  });

  it("gives a group's scope with its name, and none for an unknown id", async () => {
    const group = await alice.createGroup([bob.address], { name: 'Team' }, DAPP);
    expect(await alice.getConversationScope(group.id)).toEqual({ id: group.id, kind: 'group', consentState: 'allowed', name: 'Team', appDataOrigin: DAPP });
    expect(await alice.getConversationScope('ab'.repeat(16))).toBeUndefined();
  });

  it('lists the same conversations as scopes, in the same order', async () => {
    const views = await alice.listConversations({});
    expect(views.length).toBeGreaterThanOrEqual(2);
    expect(await alice.listConversationScopes({})).toEqual(views.map(scopeFactsOf));
    expect((await alice.listConversationScopes({ kind: 'group' })).map((s) => s.kind)).toEqual(['group']);
  });

  it("reports the consent the user set in the scope of the next streamed message", async () => {
    const dm = (await alice.listConversations({ kind: 'dm' }))[0]!;
    const seen: { text: string; scope: ConversationScope }[] = [];
    const stop = alice.stream({
      message: (message, scope) => {
        if (message.content.type === 'text') seen.push({ text: message.content.text, scope });
      },
      conversation: () => undefined,
    });
    try {
      await alice.setConsent(dm.id, 'denied');
      await alice.sendMessage(dm.id, { type: 'text', text: 'one' });
      await until(() => seen.length === 1);
      // Sending allows again (libxmtp send_message), and the scope says so at once.
      expect(seen[0]).toEqual({ text: 'one', scope: { id: dm.id, kind: 'dm', consentState: 'allowed', appDataOrigin: DAPP } });
    } finally {
      stop();
    }
  });

  it('creates a group with custom options over the default preset, makes bob an admin and reads the roles back', async () => {
    const group = await alice.createGroup([bob.address], { name: 'roles', permissions: { addMember: 'admin', updateMetadata: { description: 'superAdmin' } } }, DAPP);
    const before = await alice.groupPermissions(group.id);
    expect(before).toMatchObject({ preset: 'custom', adminInboxIds: [], policies: { addMember: 'admin', removeMember: 'admin', updateMetadata: { description: 'superAdmin', group_name: 'allow' } } });
    const after = await alice.updateAdminList(group.id, 'addAdmin', bob.client.inboxId);
    expect(after.adminInboxIds).toEqual([bob.client.inboxId]);
    expect(after.superAdminInboxIds).toHaveLength(1);
    const opened = await alice.updatePermission(group.id, { update: 'addMember', option: 'allow' });
    expect(opened.policies.addMember).toBe('allow');
    await expect(alice.updateAdminList(group.id, 'removeSuperAdmin', after.superAdminInboxIds[0]!)).rejects.toMatchObject({ code: 'Group.PermissionDenied' });
  });
});
