import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, describe, expect, it } from 'vitest';
import { AUTO_LOCK_ALARM } from '../../src/background/autoLock';
import { originOfSender } from '../../src/background/portHub';
import { tick, until } from '../content/fakeWindow';
import { portPair } from '../content/fakePort';
import { createHarness, EXTENSION_ID, FakeMessaging, resetBrowser } from './harness';
import { PASSWORD } from './vault/helpers';

const DAPP = 'http://localhost:5173';
beforeEach(() => resetBrowser());

describe('port origin', () => {
  const tab = { id: 1 } as chrome.tabs.Tab;
  it('is the sender origin the browser reports, or that of its URL', () => {
    expect(originOfSender({ id: EXTENSION_ID, tab, frameId: 0, origin: DAPP }, EXTENSION_ID)).toBe(DAPP);
    expect(originOfSender({ id: EXTENSION_ID, tab, frameId: 0, url: `${DAPP}/path?q=1` }, EXTENSION_ID)).toBe(DAPP);
  });

  it('is refused for other extensions, non-tab senders, subframes and non-web origins', () => {
    expect(originOfSender({ id: 'another', tab, origin: DAPP }, EXTENSION_ID)).toBeNull();
    expect(originOfSender({ id: EXTENSION_ID, origin: DAPP }, EXTENSION_ID)).toBeNull();
    expect(originOfSender({ id: EXTENSION_ID, tab, frameId: 3, origin: DAPP }, EXTENSION_ID)).toBeNull();
    expect(originOfSender({ id: EXTENSION_ID, tab, origin: 'null' }, EXTENSION_ID)).toBeNull();
    expect(originOfSender({ id: EXTENSION_ID, tab, url: 'file:///etc/passwd' }, EXTENSION_ID)).toBeNull();
    expect(originOfSender({ id: EXTENSION_ID, tab, origin: `chrome-extension://${EXTENSION_ID}` }, EXTENSION_ID)).toBeNull();
  });

  it('disconnects a port with the wrong name', async () => {
    const h = await createHarness();
    const [content, worker] = portPair('something-else', { id: EXTENSION_ID, tab, frameId: 0, origin: DAPP });
    let disconnected = false;
    content.onDisconnect.addListener(() => (disconnected = true));
    h.bg.onConnect(worker);
    await until(() => disconnected);
    expect(disconnected).toBe(true);
  });
});

describe('UI messages', () => {
  it('are refused from web pages (content scripts) and other extensions', async () => {
    const h = await createHarness();
    const fromPage = await h.bg.onUiMessage({ parley: 'ui', method: 'vault_status' }, { id: EXTENSION_ID, url: `${DAPP}/`, tab: { id: 1 } as chrome.tabs.Tab });
    expect(fromPage).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
    const fromOther = await h.bg.onUiMessage({ parley: 'ui', method: 'vault_status' }, { id: 'other', url: 'chrome-extension://other/x.html' });
    expect(fromOther).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
    expect(await h.ui('vault_status')).toMatchObject({ ok: true, result: { state: 'uninitialized' } });
  });

  it('tell the popup a wrong password as such, and after three the time to wait', async () => {
    const h = await createHarness();
    await h.onboard();
    await h.ui('vault_lock');
    for (let i = 0; i < 3; i++) {
      expect(await h.ui('vault_unlock', { password: 'not the password' })).toEqual({ ok: false, error: { code: 'Vault.WrongPassword', message: 'Wrong password.' } });
    }
    const throttled = (await h.ui('vault_unlock', { password: PASSWORD })) as { ok: boolean; error?: { code: string; retryAfterMs?: number } };
    expect(throttled.error?.code).toBe('Vault.Throttled');
    expect(throttled.error?.retryAfterMs).toBeGreaterThan(0);
    expect(throttled.error?.retryAfterMs).toBeLessThanOrEqual(1_000);
    expect((await h.ui('vault_status')).result).toMatchObject({ state: 'locked' });
  });

  it('walk a user through onboarding: password, identity, status', async () => {
    const h = await createHarness();
    expect((await h.ui('vault_create', { password: 'short' })).error).toMatchObject({ code: 'Rpc.InvalidParams' });
    await h.onboard();
    const status = (await h.ui('vault_status')).result as { state: string; identities: { address: string }[]; activeIdentityId: string };
    expect(status.state).toBe('unlocked');
    expect(status.identities).toHaveLength(1);
    const key = `0x${'11'.repeat(32)}`;
    const imported = (await h.ui('identity_import', { privateKey: key, label: 'Imported' })).result as { id: string; address: string };
    expect(imported.address).toBe('0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a');
    const after = (await h.ui('vault_status')).result as { identities: unknown[]; activeIdentityId: string };
    expect(after.identities).toHaveLength(2);
    // A second identity waits for the user to switch to it (identitySwitch.test.ts).
    expect(after.activeIdentityId).toBe(status.activeIdentityId);
    await h.ui('identity_select', { id: imported.id });
    expect(((await h.ui('vault_status')).result as { activeIdentityId: string }).activeIdentityId).toBe(imported.id);
  });
});

describe('worker lifecycle', () => {
  it('answers after a restart from the vault and the session key, with grants intact', async () => {
    const first = await createHarness();
    await first.onboard();
    const page = await first.grant(DAPP);
    const inbox = (await page.request('xmtp_getInbox')).result;
    first.bg.vault.close();

    const second = await createHarness({ dbName: first.dbName });
    const again = second.page(DAPP);
    expect((await again.request('xmtp_getInbox')).result).toEqual(inbox);
  });

  it('on wake, answers the waiting request before it syncs, then syncs once', async () => {
    const first = await createHarness();
    await first.onboard();
    await first.grant(DAPP);
    first.bg.vault.close();

    const messaging = new FakeMessaging();
    let syncs = 0;
    messaging.syncAll = async () => {
      syncs++;
    };
    const second = await createHarness({ dbName: first.dbName, messaging, wakeSyncDelayMs: 3_600_000 });
    const again = second.page(DAPP);
    // Widening the grant waits on the approval window: the request stays unanswered.
    const widen = again.request('xmtp_requestAccess', { scope: 'inbox' });
    await until(() => second.windows.opened.length === 1);
    expect(syncs).toBe(0);
    await second.answerApproval(true, 'inbox');
    expect((await widen).result).toMatchObject({ scope: 'inbox' });
    await until(() => syncs === 1);
    expect((await again.request('xmtp_getAccess')).result).toMatchObject({ scope: 'inbox' });
    await tick();
    expect(syncs).toBe(1);
  });

  it('opens the engine once for many requests, and again for another identity, node or after a lock', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = await h.grant(DAPP, 'inbox');
    for (let i = 0; i < 5; i++) expect((await page.request('xmtp_listConversations', {})).result).toEqual([]);
    expect(h.opens()).toBe(1);
    const second = (await h.ui('identity_create', { label: 'Second' })).result as { id: string };
    await h.ui('identity_select', { id: second.id });
    await h.grant(DAPP, 'inbox');
    await page.request('xmtp_listConversations', {});
    expect(h.opens()).toBe(2);
    await h.ui('settings_set', { nodeUrl: 'http://127.0.0.1:6000' });
    await page.request('xmtp_listConversations', {});
    expect(h.opens()).toBe(3);
    await h.ui('vault_lock');
    await h.ui('vault_unlock', { password: PASSWORD });
    await page.request('xmtp_listConversations', {});
    expect(h.opens()).toBe(4);
  });

  it('stays locked after a restart once locked', async () => {
    const first = await createHarness();
    await first.onboard();
    await first.grant(DAPP);
    await first.ui('vault_lock');
    first.bg.vault.close();
    const second = await createHarness({ dbName: first.dbName });
    expect((await second.page(DAPP).request('xmtp_getInbox')).error).toMatchObject({ code: 4100, data: { code: 'Vault.Locked' } });
  });

  it('arms the auto-lock alarm on use, and locks when it fires, telling open pages', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = await h.grant(DAPP);
    const alarm = await fakeBrowser.alarms.get(AUTO_LOCK_ALARM);
    expect(alarm?.scheduledTime).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(alarm?.scheduledTime).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    await h.bg.onAlarm(AUTO_LOCK_ALARM);
    await until(() => page.events.some((e) => e.event === 'accessChanged' && e.data === null));
    expect(page.events).toContainEqual({ event: 'accessChanged', data: null });
    expect((await page.request('xmtp_getInbox')).error?.code).toBe(4100);
    expect(await fakeBrowser.alarms.get(AUTO_LOCK_ALARM)).toBeUndefined();
  });

  it('follows the auto-lock setting', async () => {
    const h = await createHarness();
    await h.onboard();
    expect((await h.ui('settings_set', { autoLockMinutes: 2 })).result).toMatchObject({ autoLockMinutes: 2, nodeUrl: 'http://localhost:5557' });
    const alarm = await fakeBrowser.alarms.get(AUTO_LOCK_ALARM);
    expect(alarm?.scheduledTime).toBeLessThanOrEqual(Date.now() + 2 * 60_000);
  });
});
