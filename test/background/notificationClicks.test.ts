import { describe, expect, it } from 'vitest';
import type { ClickPlatform } from '../../src/background/notificationClicks';
import { onNotificationClicked } from '../../src/background/notificationClicks';

function fakePlatform(popup: 'opens' | 'refused' | 'absent') {
  const seen = { cleared: [] as string[], popups: 0, tabs: [] as string[] };
  const platform: ClickPlatform = {
    clear: async (id) => void seen.cleared.push(id),
    openTab: async (url) => void seen.tabs.push(url),
    pageUrl: (path) => `chrome-extension://id/${path}`,
  };
  if (popup !== 'absent') {
    platform.openPopup = async () => {
      seen.popups++;
      if (popup === 'refused') throw new Error('openPopup requires a user gesture');
    };
  }
  return { platform, seen };
}

describe('a click on a Parley notification', () => {
  it('opens the toolbar popup where the browser allows it, and clears the notification', async () => {
    const { platform, seen } = fakePlatform('opens');
    await onNotificationClicked('parley-ab12', platform);
    expect(seen).toEqual({ cleared: ['parley-ab12'], popups: 1, tabs: [] });
  });

  it('opens the inbox page at the conversation where the popup cannot be opened (Firefox)', async () => {
    for (const popup of ['refused', 'absent'] as const) {
      const { platform, seen } = fakePlatform(popup);
      await onNotificationClicked('parley-ab12', platform);
      expect(seen.tabs).toEqual(['chrome-extension://id/src/popup/index.html?conversation=ab12']);
    }
  });

  it("leaves other extensions' and malformed notifications alone", async () => {
    const { platform, seen } = fakePlatform('opens');
    await onNotificationClicked('other-ab12', platform);
    expect(seen).toEqual({ cleared: [], popups: 0, tabs: [] });
    const refused = fakePlatform('refused');
    await onNotificationClicked('parley-../../x', refused.platform);
    expect(refused.seen.tabs).toEqual(['chrome-extension://id/src/popup/index.html']);
  });
});
