import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTO_LOCK_ALARM } from '../../src/background/autoLock';
import { tick, until } from '../content/fakeWindow';
import type { Harness } from './harness';
import { createHarness, resetBrowser } from './harness';

const DAPP = 'http://localhost:5173';
const OTHER = 'https://other.example';

beforeEach(() => {
  resetBrowser();
  // Only the clock the auto-lock reads; IndexedDB and the ports keep their real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => vi.useRealTimers());

/** Polls an async condition (the re-arm is fire-and-forget). */
async function eventually(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await tick();
  }
  throw new Error('condition not met');
}

const lockAt = async (): Promise<number | undefined> => (await fakeBrowser.alarms.get(AUTO_LOCK_ALARM))?.scheduledTime;

/** Onboarded, DAPP granted, the setting as given, and a minute gone by since the last use. */
async function idleMinuteLater(keepUnlocked: boolean | undefined): Promise<{ h: Harness; page: Awaited<ReturnType<Harness['grant']>>; before: number }> {
  const h = await createHarness();
  await h.onboard();
  const page = await h.grant(DAPP);
  if (keepUnlocked !== undefined) await h.ui('settings_set', { grantedSitesKeepUnlocked: keepUnlocked });
  expect((await h.ui('settings_get')).result).toMatchObject({ grantedSitesKeepUnlocked: keepUnlocked ?? false });
  const before = await lockAt();
  expect(before).toBeDefined();
  vi.setSystemTime(Date.now() + 60_000);
  return { h, page, before: before! };
}

describe("auto-lock and granted sites' calls", () => {
  it('is off by default: a granted site calling does not push the lock out', async () => {
    const { page, before } = await idleMinuteLater(undefined);
    expect((await page.request('xmtp_listConversations', {})).result).toEqual([]);
    await tick();
    expect(await lockAt()).toBe(before);
  });

  it('when on, a granted site calling a method pushes the lock out by the auto-lock delay', async () => {
    const { page, before } = await idleMinuteLater(true);
    expect((await page.request('xmtp_getInbox')).result).toBeDefined();
    await eventually(async () => (await lockAt()) !== before);
    expect(await lockAt()).toBe(Date.now() + 15 * 60_000);
  });

  it('when on, an ungranted site calling does not, whatever it calls', async () => {
    const { h, before } = await idleMinuteLater(true);
    const stranger = h.page(OTHER);
    expect((await stranger.request('xmtp_getInbox')).error?.code).toBe(4100);
    expect((await stranger.request('xmtp_getAccess')).result).toBeNull();
    await tick();
    expect(await lockAt()).toBe(before);
  });

  it('when on, events pushed to a granted page do not', async () => {
    const { h, page, before } = await idleMinuteLater(true);
    // The page listens (a message stream is open) and a message arrives for it.
    const dm = (await page.request('xmtp_createDm', { identifier: '0x90f79bf6eb2c4f870365e785982e1f101e93b906' })).result as { id: string };
    await eventually(async () => (await lockAt()) !== before);
    const afterCall = await lockAt();
    vi.setSystemTime(Date.now() + 60_000);
    h.messaging.deliver({ id: dm.id, kind: 'dm', consentState: 'allowed', appDataOrigin: DAPP }, 'hello');
    await until(() => page.events.some((e) => e.event === 'message'));
    await tick();
    expect(await lockAt()).toBe(afterCall);
  });
});
