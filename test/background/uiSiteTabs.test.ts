import { describe, expect, it } from 'vitest';
import { chromeActivityPlatform } from '../../src/background/uiInboxActivity';
import { SiteTabs } from '../../src/background/uiSiteTabs';
import { portPair } from '../content/fakePort';
import { tick } from '../content/fakeWindow';

const EXTENSION_ID = 'parleytestextensionid';
const SITE = 'http://localhost:5173';

function pagePort(origin: string, tabId: number, name = 'parley-page') {
  return portPair(name, { id: EXTENSION_ID, origin, url: `${origin}/app`, frameId: 0, tab: { id: tabId } as chrome.tabs.Tab });
}

describe('which site each tab shows', () => {
  it("maps a page port's tab to the origin the browser reported", () => {
    const tabs = new SiteTabs(EXTENSION_ID);
    tabs.track(pagePort(SITE, 7)[1]);
    expect(tabs.originOf(7)).toBe(SITE);
    expect(tabs.originOf(8)).toBeUndefined();
  });

  it('forgets a tab when its port goes, but not the page a reload connected first', async () => {
    const tabs = new SiteTabs(EXTENSION_ID);
    const [oldPage] = pagePort(SITE, 7);
    tabs.track(oldPage.other!);
    const [newPage, newWorkerEnd] = pagePort(SITE, 7);
    tabs.track(newWorkerEnd);
    oldPage.disconnect();
    await tick();
    expect(tabs.originOf(7)).toBe(SITE);
    newPage.disconnect();
    await tick();
    expect(tabs.originOf(7)).toBeUndefined();
  });

  it('ignores ports that are not web pages of this extension', () => {
    const tabs = new SiteTabs(EXTENSION_ID);
    tabs.track(pagePort(SITE, 1, 'other-port')[1]);
    tabs.track(portPair('parley-page', { id: 'another-extension', origin: SITE, url: SITE, frameId: 0, tab: { id: 2 } as chrome.tabs.Tab })[1]);
    tabs.track(portPair('parley-page', { id: EXTENSION_ID, origin: SITE, url: SITE, frameId: 3, tab: { id: 3 } as chrome.tabs.Tab })[1]);
    tabs.track(portPair('parley-page', { id: EXTENSION_ID, origin: SITE, url: SITE })[1]);
    expect([1, 2, 3].map((id) => tabs.originOf(id))).toEqual([undefined, undefined, undefined]);
  });
});

describe('the chrome surfaces of the unread tracker', () => {
  function fakeChrome(win: { focused: boolean; tabs?: { id?: number; active: boolean }[] }, contexts: unknown[] = []) {
    const calls: { api: string; args: unknown }[] = [];
    const api = {
      action: {
        setBadgeText: async (args: unknown) => void calls.push({ api: 'setBadgeText', args }),
        setBadgeBackgroundColor: async (args: unknown) => void calls.push({ api: 'setBadgeBackgroundColor', args }),
      },
      notifications: { create: async (id: string, args: unknown) => void calls.push({ api: 'notifications.create', args: { id, ...(args as object) } }) },
      windows: { getLastFocused: async () => win },
      runtime: {
        getURL: (path: string) => `chrome-extension://${EXTENSION_ID}/${path}`,
        getContexts: async (filter: unknown) => {
          calls.push({ api: 'getContexts', args: filter });
          return contexts;
        },
      },
    };
    return { api: api as unknown as typeof chrome, calls };
  }

  it("names the focused tab's site through the ports, not tab URLs", async () => {
    const { api } = fakeChrome({ focused: true, tabs: [{ id: 3, active: false }, { id: 7, active: true }] });
    const platform = chromeActivityPlatform((id) => (id === 7 ? SITE : undefined), api);
    expect(await platform.focusedOrigin()).toBe(SITE);
  });

  it('has no focused site when the browser window is not focused or the tab has no Parley page', async () => {
    const unfocused = chromeActivityPlatform(() => SITE, fakeChrome({ focused: false, tabs: [{ id: 7, active: true }] }).api);
    expect(await unfocused.focusedOrigin()).toBeNull();
    const unknownTab = chromeActivityPlatform(() => undefined, fakeChrome({ focused: true, tabs: [{ id: 7, active: true }] }).api);
    expect(await unknownTab.focusedOrigin()).toBeNull();
  });

  it('counts the inbox page, in the toolbar popup or a tab, as open', async () => {
    const open = fakeChrome({ focused: true }, [{ contextType: 'TAB' }]);
    expect(await chromeActivityPlatform(() => undefined, open.api).popupOpen()).toBe(true);
    expect(open.calls.at(-1)).toEqual({ api: 'getContexts', args: { contextTypes: ['POPUP', 'TAB'], documentUrls: [`chrome-extension://${EXTENSION_ID}/src/popup/index.html`] } });
    expect(await chromeActivityPlatform(() => undefined, fakeChrome({ focused: true }, []).api).popupOpen()).toBe(false);
  });

  it('sets the badge and raises a notification with the extension icon', async () => {
    const { api, calls } = fakeChrome({ focused: false });
    const platform = chromeActivityPlatform(() => undefined, api);
    await platform.setBadge('3');
    await platform.setBadge('');
    await platform.notify('0d', { title: 'New message', message: 'hi' });
    expect(calls).toEqual([
      { api: 'setBadgeText', args: { text: '3' } },
      { api: 'setBadgeBackgroundColor', args: { color: '#4f46e5' } },
      { api: 'setBadgeText', args: { text: '' } },
      { api: 'notifications.create', args: { id: 'parley-0d', type: 'basic', iconUrl: `chrome-extension://${EXTENSION_ID}/icons/icon-128.png`, title: 'New message', message: 'hi' } },
    ]);
  });

  it('does nothing where the browser has none of these APIs', async () => {
    const platform = chromeActivityPlatform(() => SITE, undefined);
    await platform.setBadge('1');
    await platform.notify('0d', { title: 't', message: 'm' });
    expect(await platform.focusedOrigin()).toBeNull();
    expect(await platform.popupOpen()).toBe(false);
  });
});
