import type { DriverPage, ExtensionDriver } from './driver';
import { xmtpRequestInPage, type RequestOutcome } from './browser';

/*
 * Browser-neutral steps for the scenarios in bothBrowsers.e2e.test.ts: page code that finds
 * controls by their visible label or text (as a user does), fills them with the input events
 * Preact listens for, and polls from Node, since Firefox's extension CSP blocks waitForFunction.
 */

/** Polls `read` until `done` holds; fails with the last value seen. */
export async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The page's visible text. */
export function pageText(page: DriverPage): Promise<string> {
  return page.evaluate(() => document.body.innerText, undefined);
}

/**
 * Waits for `text` on the page; a role=alert instead fails at once with what it says (except the
 * approval window's "Loading…" placeholder, which is one while it reads the request).
 */
export async function waitForText(page: DriverPage, text: string, timeoutMs = 60_000): Promise<void> {
  const seen = await waitUntil(
    `"${text}" on the page`,
    () => page.evaluate(([t]) => ({ found: document.body.innerText.includes(t), alert: document.querySelector('[role=alert]')?.textContent ?? '' }), [text] as const),
    (s) => s.found || (s.alert !== '' && !s.alert.startsWith('Loading')),
    timeoutMs,
  );
  if (!seen.found) throw new Error(`the page shows an error instead of "${text}": ${seen.alert}`);
}

/** Types `value` into the input labelled `label` (the label's own text, exactly). */
export async function fillLabelled(page: DriverPage, label: string, value: string): Promise<void> {
  const filled = await page.evaluate(
    ([l, v]) => {
      const labelEl = Array.from(document.querySelectorAll('label')).find((x) => x.firstChild?.textContent?.trim() === l);
      const input = labelEl?.querySelector('input');
      if (!input) return false;
      input.focus();
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      return true;
    },
    [label, value] as const,
  );
  if (!filled) throw new Error(`no input labelled "${label}"`);
}

/** Clicks the button whose text is `name` once it is enabled (Approve arms itself after 1 s). */
export async function clickButton(page: DriverPage, name: string): Promise<void> {
  await waitUntil(
    `the "${name}" button`,
    () =>
      page.evaluate(([n]) => {
        const button = Array.from(document.querySelectorAll('button')).find((b) => b.textContent?.trim() === n);
        if (!button || button.disabled) return false;
        button.click();
        return true;
      }, [name] as const).catch((e: unknown) => {
        // A click that closes its own window (Approve) may tear the page down under the call.
        if (page.isClosed()) return true;
        throw e;
      }),
    (clicked) => clicked,
    30_000,
  );
}

/** Clicks the first button whose accessible name (aria-label, else its text) starts with `prefix`. */
export async function clickButtonStartingWith(page: DriverPage, prefix: string): Promise<void> {
  await waitUntil(
    `a button named "${prefix}…"`,
    () =>
      page.evaluate(([p]) => {
        const button = Array.from(document.querySelectorAll('button')).find((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim().startsWith(p));
        if (!button || button.disabled) return false;
        button.click();
        return true;
      }, [prefix] as const),
    (clicked) => clicked,
    30_000,
  );
}

/** window.xmtp.request in the page, with the rejection turned into data. */
export function xmtpCall(page: DriverPage, method: string, params?: unknown): Promise<RequestOutcome> {
  return page.evaluate(xmtpRequestInPage, [method, params ?? null] as const);
}

/** A runtime message to the worker from an extension page, as the popup sends it. */
export function uiMessage(extensionPage: DriverPage, method: string, params?: unknown): Promise<{ ok: boolean; result?: unknown; error?: unknown }> {
  return extensionPage.evaluate(
    ([m, p]) => chrome.runtime.sendMessage(p === null ? { parley: 'ui', method: m } : { parley: 'ui', method: m, params: p }),
    [method, params ?? null] as const,
  ) as Promise<{ ok: boolean; result?: unknown; error?: unknown }>;
}

/** Starts recording the page's `message` events into window.received. */
export function recordMessages(page: DriverPage): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { received: unknown[]; xmtp: { on(e: string, f: (d: unknown) => void): void } };
    w.received = [];
    w.xmtp.on('message', (m) => w.received.push(m));
  }, undefined);
}

/** Starts recording the page's `accessChanged` events into window.accessChanges. */
export function recordAccessChanges(page: DriverPage): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { accessChanges: unknown[]; xmtp: { on(e: string, f: (d: unknown) => void): void } };
    w.accessChanges = [];
    w.xmtp.on('accessChanged', (a) => w.accessChanges.push(a));
  }, undefined);
}

/** The `accessChanged` payloads recorded so far (null: access cut, by revocation or lock). */
export function accessChanges(page: DriverPage): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as { accessChanges: unknown[] }).accessChanges, undefined);
}

/** The `message` events recorded so far as conversation id and text, in arrival order. */
export function messagesReceived(page: DriverPage): Promise<{ conversationId: string; text: string }[]> {
  return page.evaluate(
    () =>
      (window as unknown as { received: { conversationId: string; content: { type: string; text?: string } }[] }).received.flatMap((m) =>
        m.content.type === 'text' ? [{ conversationId: m.conversationId, text: m.content.text ?? '' }] : [],
      ),
    undefined,
  );
}

/** Unlocks from the popup's lock screen and waits for the inbox (the address in its header). */
export async function unlockInPopup(popup: DriverPage, password: string, address: string): Promise<void> {
  await waitForText(popup, 'Parley is locked');
  await fillLabelled(popup, 'Password', password);
  await clickButton(popup, 'Unlock');
  await waitForText(popup, address);
}

/** The texts of the `message` events recorded so far. */
export function textsReceived(page: DriverPage): Promise<string[]> {
  return page.evaluate(
    () => (window as unknown as { received: { content: { type: string; text?: string } }[] }).received.flatMap((m) => (m.content.type === 'text' ? [m.content.text ?? ''] : [])),
    undefined,
  );
}

export interface Onboarded {
  approval: RequestOutcome;
  address: string;
  inboxId: string;
}

/**
 * A first-time user on a dApp: the dApp asks for access, the approval window opens on
 * onboarding (password, Create identity), then shows the request; `beforeApprove` runs in that
 * extension page (to point the extension at the test node), then Approve.
 */
export async function onboardAndApprove(
  driver: ExtensionDriver,
  dapp: DriverPage,
  password: string,
  beforeApprove: (extensionPage: DriverPage) => Promise<void> = async () => undefined,
): Promise<Onboarded> {
  let answer: Promise<RequestOutcome> | undefined;
  const approval = await driver.extensionWindowOpenedBy(() => (answer = xmtpCall(dapp, 'xmtp_requestAccess')));
  await waitForText(approval, 'Create identity');
  await fillLabelled(approval, 'Password', password);
  await fillLabelled(approval, 'Confirm password', password);
  await clickButton(approval, 'Create identity');
  await waitForText(approval, 'Connect to Parley?');
  await beforeApprove(approval);
  await clickButton(approval, 'Approve');
  const outcome = await answer!;
  const access = outcome.result as { address?: string; inboxId?: string } | undefined;
  return { approval: outcome, address: access?.address ?? '', inboxId: access?.inboxId ?? '' };
}

/** Asks for access again (an onboarded user) and approves it in the approval window. */
export async function approveAccess(driver: ExtensionDriver, dapp: DriverPage, scope?: 'site' | 'inbox'): Promise<RequestOutcome> {
  let answer: Promise<RequestOutcome> | undefined;
  const approval = await driver.extensionWindowOpenedBy(() => (answer = xmtpCall(dapp, 'xmtp_requestAccess', scope ? { scope } : undefined)));
  await waitForText(approval, 'Connect to Parley?');
  if (scope === 'inbox') {
    await approval.evaluate(() => (document.querySelector('input[value=inbox]') as HTMLInputElement).click(), undefined);
  }
  await clickButton(approval, 'Approve');
  return answer!;
}
