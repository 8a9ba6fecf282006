import { beforeEach, describe, expect, it } from 'vitest';
import type { Access, ApprovalView, IdentitySummary, VaultStatus } from '../../src/core/rpc';
import { tick, until } from '../content/fakeWindow';
import type { Harness, Page } from './harness';
import { createHarness, resetBrowser } from './harness';

const DAPP = 'http://localhost:5173';
const OTHER = 'https://other.example';
const KEY = `0x${'11'.repeat(32)}`;

beforeEach(() => resetBrowser());

async function status(h: Harness): Promise<VaultStatus> {
  return (await h.ui('vault_status')).result as VaultStatus;
}

async function create(h: Harness, label: string): Promise<IdentitySummary> {
  const reply = await h.ui('identity_create', { label });
  expect(reply.ok).toBe(true);
  return reply.result as IdentitySummary;
}

async function grantsList(h: Harness): Promise<Access[]> {
  return (await h.ui('grants_list')).result as Access[];
}

const accessEvents = (page: Page) => page.events.filter((e) => e.event === 'accessChanged').map((e) => e.data as Access | null);

/** Onboarded (first identity active), DAPP connected to it, a second identity made. */
async function twoIdentitiesOneSite() {
  const h = await createHarness();
  await h.onboard();
  const first = (await status(h)).identities[0]!;
  const page = await h.grant(DAPP);
  page.events.length = 0;
  const second = await create(h, 'Second');
  return { h, page, first, second };
}

describe('adding an identity', () => {
  it('makes only the first one active; a created or imported one waits until the user switches', async () => {
    const { h, page, first, second } = await twoIdentitiesOneSite();
    const imported = (await h.ui('identity_import', { privateKey: KEY, label: 'Imported' })).result as IdentitySummary;
    const now = await status(h);
    expect(now.identities.map((i) => i.id)).toEqual([first.id, second.id, imported.id]);
    expect(now.activeIdentityId).toBe(first.id);
    // The connected site was not moved, not told anything, and still reads the first inbox.
    expect(accessEvents(page)).toEqual([]);
    expect((await page.request('xmtp_getInbox')).result).toMatchObject({ address: first.address });
    expect(h.opens()).toBe(1);
  });

  it('importing a key already held returns that identity without switching to it', async () => {
    const { h, first } = await twoIdentitiesOneSite();
    const imported = (await h.ui('identity_import', { privateKey: KEY })).result as IdentitySummary;
    const again = (await h.ui('identity_import', { privateKey: KEY })).result as IdentitySummary;
    expect(again.id).toBe(imported.id);
    expect((await status(h)).activeIdentityId).toBe(first.id);
  });
});

describe('switching identity', () => {
  it('with sites following: the grant moves, the open page is told the new inbox and reads it', async () => {
    const { h, page, first, second } = await twoIdentitiesOneSite();
    const switched = await h.ui('identity_select', { id: second.id, sitesFollow: true });
    expect((switched.result as VaultStatus).activeIdentityId).toBe(second.id);
    await until(() => accessEvents(page).length > 0);
    expect(accessEvents(page)).toEqual([expect.objectContaining({ origin: DAPP, scope: 'site', inboxId: second.inboxId, address: second.address })]);
    expect((await page.request('xmtp_getInbox')).result).toMatchObject({ inboxId: second.inboxId, address: second.address });
    expect(await grantsList(h)).toEqual([expect.objectContaining({ origin: DAPP, inboxId: second.inboxId })]);
    expect(first.inboxId).not.toBe(second.inboxId);
  });

  it('without: the grant stays on the old identity, the page is told it has no access, and gets it back on switching back', async () => {
    const { h, page, first, second } = await twoIdentitiesOneSite();
    await h.ui('identity_select', { id: second.id, sitesFollow: false });
    await until(() => accessEvents(page).length > 0);
    expect(accessEvents(page)).toEqual([null]);
    expect((await page.request('xmtp_getInbox')).error?.code).toBe(4100);
    expect((await page.request('xmtp_getAccess')).result).toBeNull();
    expect(await grantsList(h)).toEqual([expect.objectContaining({ origin: DAPP, inboxId: first.inboxId })]);

    await h.ui('identity_select', { id: first.id });
    await until(() => accessEvents(page).length > 1);
    expect(accessEvents(page)[1]).toMatchObject({ origin: DAPP, inboxId: first.inboxId });
    expect((await page.request('xmtp_getInbox')).result).toMatchObject({ address: first.address });
  });

  it("moves only the old identity's sites; a site connected to a third identity stays, and hears only what changed for it", async () => {
    const { h, page, first, second } = await twoIdentitiesOneSite();
    const third = await create(h, 'Third');
    await h.ui('identity_select', { id: third.id, sitesFollow: true });
    const other = await h.grant(OTHER);
    await until(() => accessEvents(page).length > 0);
    page.events.length = 0;
    other.events.length = 0;
    // DAPP is on Third now; back to First with sites following: DAPP and OTHER (both on Third) move.
    await h.ui('identity_select', { id: first.id, sitesFollow: true });
    await until(() => accessEvents(page).length > 0 && accessEvents(other).length > 0);
    expect(accessEvents(other)).toEqual([expect.objectContaining({ inboxId: first.inboxId })]);
    // Second never had them: switching there without following leaves both on First.
    page.events.length = 0;
    await h.ui('identity_select', { id: second.id });
    await until(() => accessEvents(page).length > 0);
    expect(accessEvents(page)).toEqual([null]);
    expect((await grantsList(h)).map((g) => [g.origin, g.inboxId])).toEqual([
      [DAPP, first.inboxId],
      [OTHER, first.inboxId],
    ]);
  });

  it('to the identity already active changes nothing and tells no site anything', async () => {
    const { h, page, first } = await twoIdentitiesOneSite();
    await h.ui('identity_select', { id: first.id, sitesFollow: true });
    await tick(20);
    expect(accessEvents(page)).toEqual([]);
    expect(h.opens()).toBe(1);
  });

  it('refuses an unknown identity and a sitesFollow that is not a boolean', async () => {
    const { h, second } = await twoIdentitiesOneSite();
    expect((await h.ui('identity_select', { id: 'ab'.repeat(16) })).error?.code).toBe('Rpc.NotFound');
    expect((await h.ui('identity_select', { id: second.id, sitesFollow: 'yes' })).error?.code).toBe('Rpc.InvalidParams');
  });
});

describe('the approval window and the identity', () => {
  it('shows the active identity; approving after a switch fails with Vault.IdentityChanged, and approving again grants the new one', async () => {
    const { h, first, second } = await twoIdentitiesOneSite();
    const page = h.page(OTHER);
    const before = h.windows.opened.length;
    const answer = page.request('xmtp_requestAccess', { scope: 'site' });
    await until(() => h.windows.opened.length > before);
    const approvalId = h.windows.opened.at(-1)!;
    const view = (await h.ui('approval_get', { approvalId })).result as ApprovalView;
    expect(view).toMatchObject({ origin: OTHER, requestedScope: 'site', identity: { id: first.id, address: first.address, label: first.label } });
    expect(view.identity).not.toHaveProperty('privateKey');

    await h.ui('identity_select', { id: second.id });
    const stale = await h.ui('approval_decide', { approvalId, approved: true, identityId: first.id });
    expect(stale.error?.code).toBe('Vault.IdentityChanged');
    // Still pending: the window shows the new identity and the user may approve it.
    expect(((await h.ui('approval_get', { approvalId })).result as ApprovalView).identity?.id).toBe(second.id);
    expect((await h.ui('approval_decide', { approvalId, approved: true, identityId: second.id })).ok).toBe(true);
    expect((await answer).result).toMatchObject({ origin: OTHER, inboxId: second.inboxId });
    expect((await page.request('xmtp_getInbox')).result).toMatchObject({ address: second.address });
  });

  it('rejecting needs no identity check', async () => {
    const { h, first, second } = await twoIdentitiesOneSite();
    const page = h.page(OTHER);
    const before = h.windows.opened.length;
    const answer = page.request('xmtp_requestAccess', {});
    await until(() => h.windows.opened.length > before);
    await h.ui('identity_select', { id: second.id });
    expect((await h.ui('approval_decide', { approvalId: h.windows.opened.at(-1)!, approved: false, identityId: first.id })).ok).toBe(true);
    expect((await answer).error?.code).toBe(4001);
  });
});
