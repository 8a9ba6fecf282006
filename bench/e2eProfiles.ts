import type { Page } from 'playwright-core';
import type { ExtensionBrowser } from '../test/e2e/browser';
import { launchWithExtension, onboard, requestAndApprove, stopWorker, uiCall, xmtpRequest } from '../test/e2e/browser';
import type { TimedDelivery } from './e2eNodeOnly';
import { wallNow } from './e2eStats';

/** One Chromium profile with the extension, onboarded, pointed at the node, a dApp page granted access. */
export interface BenchProfile {
  browser: ExtensionBrowser;
  /** An extension page (the onboarding page left open): UI calls and the CDP session go through it. */
  extensionPage: Page;
  dapp: Page;
  address: string;
  inboxId: string;
  /** The dApp page's wall clock minus this process's, from the last calibrateClock(). */
  clockOffsetMs: number;
}

/**
 * In the dApp page: `message` events are timestamped as they arrive (wall clock, so the sender's
 * page in another browser process can be compared), and `timedSend` stamps a send around
 * window.xmtp.request, so no CDP round trip is inside a measurement.
 */
function instrumentPage(): void {
  type Xmtp = { request(a: unknown): Promise<unknown>; on(e: string, f: (d: unknown) => void): void };
  const w = window as unknown as {
    xmtp: Xmtp;
    benchArrivals: Map<string, number>;
    benchWaiters: Map<string, (at: number) => void>;
    benchWait(text: string, timeoutMs: number): Promise<number>;
    benchSend(conversationId: string, text: string): Promise<{ sentAt: number; ackedAt: number }>;
    benchGetInbox(): Promise<number>;
  };
  const now = () => performance.timeOrigin + performance.now();
  w.benchArrivals = new Map();
  w.benchWaiters = new Map();
  w.xmtp.on('message', (m) => {
    const content = (m as { content?: { type?: string; text?: string } }).content;
    if (content?.type !== 'text' || content.text === undefined) return;
    const at = now();
    performance.mark('parley-bench:received');
    w.benchArrivals.set(content.text, at);
    w.benchWaiters.get(content.text)?.(at);
  });
  w.benchWait = (text, timeoutMs) =>
    new Promise((resolve, reject) => {
      const seen = w.benchArrivals.get(text);
      if (seen !== undefined) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no message event for "${text}" within ${timeoutMs} ms`)), timeoutMs);
      w.benchWaiters.set(text, (at) => {
        clearTimeout(timer);
        w.benchWaiters.delete(text);
        resolve(at);
      });
    });
  w.benchSend = async (conversationId, text) => {
    performance.mark('parley-bench:send');
    const sentAt = now();
    await w.xmtp.request({ method: 'xmtp_sendMessage', params: { conversationId, content: { type: 'text', text } } });
    const ackedAt = now();
    performance.mark('parley-bench:sent');
    return { sentAt, ackedAt };
  };
  // The marks put the request and its answer on a CDP trace's clock (bench/e2eWakeTrace.ts).
  w.benchGetInbox = async () => {
    performance.mark('parley-bench:request');
    const started = performance.now();
    await w.xmtp.request({ method: 'xmtp_getInbox' });
    const took = performance.now() - started;
    performance.mark('parley-bench:answer');
    return took;
  };
}

export async function startProfile(
  extensionDir: string,
  password: string,
  nodeWebUrl: string,
  dappUrl: string,
  scope: 'site' | 'inbox',
): Promise<BenchProfile> {
  const browser = await launchWithExtension(extensionDir);
  try {
    const { page: extensionPage, address, inboxId } = await onboard(browser, password);
    const set = await uiCall(extensionPage, 'settings_set', { nodeUrl: nodeWebUrl });
    if (!set.ok) throw new Error(`settings_set: ${JSON.stringify(set.error)}`);
    const dapp = await browser.context.newPage();
    await dapp.goto(dappUrl);
    // tsx compiles with esbuild's keepNames, which wraps named inner functions in __name(); the
    // page has no such helper, so it gets an identity one.
    await dapp.evaluate('globalThis.__name ??= (f) => f');
    await dapp.evaluate(instrumentPage);
    const { access } = await requestAndApprove(browser, dapp, scope);
    if (!access.result) throw new Error(`access not granted: ${JSON.stringify(access.error)}`);
    const profile = { browser, extensionPage, dapp, address, inboxId, clockOffsetMs: 0 };
    await calibrateClock(profile);
    return profile;
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Measures the dApp page's wall clock against this process's (Chromium and Node each map their
 * monotonic clock to wall time on their own): the offset seen in the fastest of a few round
 * trips, off by at most half that round trip, which is returned.
 */
export async function calibrateClock(profile: BenchProfile): Promise<number> {
  let best = { roundTrip: Infinity, offset: 0 };
  for (let i = 0; i < 15; i++) {
    const before = wallNow();
    const pageNow = await profile.dapp.evaluate(() => performance.timeOrigin + performance.now());
    const after = wallNow();
    if (after - before < best.roundTrip) best = { roundTrip: after - before, offset: pageNow - (before + after) / 2 };
  }
  profile.clockOffsetMs = best.offset;
  return best.roundTrip / 2;
}

/** Creates the DM from `from`'s dApp once `to` is registered on the network; returns its id. */
export async function createDm(from: BenchProfile, to: BenchProfile, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  // The peer's inbox registers when its worker first opens the engine.
  for (;;) {
    const found = await xmtpRequest(from.dapp, 'xmtp_canMessage', { identifiers: [to.address] });
    if ((found.result as Record<string, boolean> | undefined)?.[to.address] === true) break;
    if (Date.now() > until) throw new Error(`${to.address} is not on the network after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const dm = await xmtpRequest(from.dapp, 'xmtp_createDm', { identifier: to.address });
  if (!dm.result) throw new Error(`xmtp_createDm: ${JSON.stringify(dm.error)}`);
  return (dm.result as { id: string }).id;
}

/** One dApp-to-dApp message: `from`'s dApp sends, `to`'s dApp gets the `message` event. */
export async function deliverBetweenDapps(from: BenchProfile, to: BenchProfile, conversationId: string, text: string, timeoutMs: number): Promise<TimedDelivery> {
  // The receiver waits first, so the event cannot slip between the send and the wait.
  const received = to.dapp.evaluate(([t, ms]) => (window as unknown as { benchWait(t: string, ms: number): Promise<number> }).benchWait(t, ms), [text, timeoutMs] as const);
  received.catch(() => undefined);
  const { sentAt, ackedAt } = await from.dapp.evaluate(
    ([c, t]) => (window as unknown as { benchSend(c: string, t: string): Promise<{ sentAt: number; ackedAt: number }> }).benchSend(c, t),
    [conversationId, text] as const,
  );
  // On this process's clock, so the bare subscriber's times compare too.
  return { sentAt: sentAt - from.clockOffsetMs, ackedAt: ackedAt - from.clockOffsetMs, receivedAt: (await received) - to.clockOffsetMs };
}

/** Stops the profile's worker (CDP), then times the dApp's next xmtp_getInbox until it answers. */
export async function wakeToAnswer(profile: BenchProfile): Promise<number> {
  await stopWorker(profile.browser, profile.extensionPage);
  return profile.dapp.evaluate(() => (window as unknown as { benchGetInbox(): Promise<number> }).benchGetInbox());
}
