import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { ParleyNode } from '../interop/parleyNode';
import { repoRoot } from '../interop/testEnv';
import type { ExtensionBrowser } from './browser';
import { buildExtension, closedByTheClick, launchWithExtension, onboard, peerReceivesDm, startDappServer, startDmAndSend, uiCall, xmtpRequest } from './browser';

/*
 * Every screen of the extension in real Chromium, in light and dark: axe-core checks each one
 * (0 violations, with axe's default rules: WCAG 2 A/AA and best practices), and with
 * PARLEY_SCREENSHOTS=1 (`npm run screenshots`) each is written to
 * docs/screenshots/<screen>-<light|dark>.png at the popup's size.
 */

const PASSWORD = 'screenshots e2e password';
const SHOTS = join(repoRoot, 'docs', 'screenshots');
const WRITE_SHOTS = process.env['PARLEY_SCREENSHOTS'] === '1';
/** The toolbar popup's size (body is 380 px wide; Chrome caps a popup's height at 600). */
const POPUP_SIZE = { width: 380, height: 600 };
/** The approval window's size, as the worker opens it (src/background/main.ts). */
const APPROVAL_SIZE = { width: 400, height: 620 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let extensionDir: string;
let browser: ExtensionBrowser;
let node: ParleyNode;
let server: Awaited<ReturnType<typeof startDappServer>>;
let popup: Page;
let bob: Client;
let bobAddress: string;
let aliceAddress: string;
const captured: string[] = [];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * axe-core's violations on the page as it is now. The source goes in through the DevTools
 * protocol (page.evaluate), which extension pages' CSP does not block, unlike a script tag.
 */
async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document)).violations;
  })) as AxeViolation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('; ')}`);
}

/** Checks the screen in light and dark with axe, and writes its two screenshots when asked. */
async function capture(page: Page, screen: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark');
    expect(await axeViolations(page), `${screen} in ${colorScheme}`).toEqual([]);
    if (WRITE_SHOTS) await page.screenshot({ path: join(SHOTS, `${screen}-${colorScheme}.png`) });
    captured.push(`${screen}-${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function openPopup(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize(POPUP_SIZE);
  await page.goto(browser.extensionUrl('src/popup/index.html'));
  return page;
}

beforeAll(async () => {
  extensionDir = buildExtension();
  node = await ParleyNode.start();
  server = await startDappServer();
  browser = await launchWithExtension(extensionDir);
  bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
  bobAddress = bob.accountIdentifier.identifier;
  if (WRITE_SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  bob?.close();
  await browser?.close();
  await server?.close();
  await node?.stop();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

describe('every screen in light and dark, with 0 axe violations', { timeout: 120_000 }, () => {
  it('onboarding: the popup before first use, and the onboarding page once ready', async () => {
    popup = await openPopup();
    await popup.getByRole('heading', { name: 'Set up Parley' }).waitFor({ timeout: 30_000 });
    await capture(popup, 'onboarding');

    const { page, address } = await onboard(browser, PASSWORD);
    aliceAddress = address;
    await page.setViewportSize(POPUP_SIZE);
    await capture(page, 'onboarding-ready');
    await page.close();
  });

  it('the inbox with no conversations yet, and its new conversation forms', async () => {
    expect(await uiCall(popup, 'settings_set', { nodeUrl: node.webUrl })).toMatchObject({ ok: true });
    await popup.reload();
    await popup.getByText('No conversations yet. Start one below.').waitFor({ timeout: 30_000 });
    await popup.getByRole('textbox', { name: 'Address', exact: true }).waitFor();
    await capture(popup, 'new-conversation');
  });

  it('a conversation with messages both ways and the composer, then the list with an unread one', async () => {
    await startDmAndSend(popup, bobAddress, 'gm bob, this is the popup');
    const dm = await peerReceivesDm(bob, 'gm bob, this is the popup');
    await dm.sendText('gm alice, from the node');
    const log = popup.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('gm alice, from the node');
    await capture(popup, 'conversation');

    await popup.getByRole('button', { name: 'Back' }).click();
    await dm.sendText('are you there?');
    await popup.getByRole('button', { name: /^0x[0-9a-f]{4}…[0-9a-f]{4}, 1 unread$/ }).waitFor({ timeout: 30_000 });
    await capture(popup, 'inbox');
  });

  it('a stranger’s DM under Requests, with Accept and Block', async () => {
    const carol = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
    try {
      const dm = await carol.conversations.createDm(aliceAddress);
      await dm.sendText('hi, we met at the conference');
      await popup.getByRole('button', { name: 'Requests 1' }).click({ timeout: 60_000 });
      const requests = popup.getByRole('list', { name: 'Message requests' });
      await expect.poll(() => requests.textContent(), { timeout: 30_000 }).toContain('hi, we met at the conference');
      await capture(popup, 'requests');
      await popup.getByRole('button', { name: 'Inbox' }).click();
    } finally {
      carol.close();
    }
  });

  it('a group’s settings: its preset, each member’s role and who may do what', async () => {
    const created = await uiCall(popup, 'inbox_request', { method: 'xmtp_createGroup', params: { identifiers: [bobAddress], name: 'crew' } });
    expect(created).toMatchObject({ ok: true });
    await popup.getByRole('button', { name: /^crew/ }).click({ timeout: 30_000 });
    await popup.getByText('Group settings').click();
    await popup.getByRole('combobox', { name: 'Rename the group' }).waitFor({ timeout: 30_000 });
    await popup.getByRole('button', { name: 'Make admin' }).waitFor();
    await capture(popup, 'group-settings');
    await popup.getByRole('button', { name: 'Back' }).click();
  });

  it('identities', async () => {
    await popup.getByRole('tab', { name: 'Identities' }).click();
    await popup.getByRole('button', { name: 'Create identity' }).waitFor();
    await capture(popup, 'identities');
  });

  it('the approval window, then the site in Sites', async () => {
    const site = await browser.context.newPage();
    await site.goto(`${server.origin('localhost')}/app`);
    const opened = browser.context.waitForEvent('page', { timeout: 30_000 });
    const answer = xmtpRequest(site, 'xmtp_requestAccess');
    const approval = await opened;
    await approval.setViewportSize(APPROVAL_SIZE);
    const approve = approval.getByRole('button', { name: 'Approve' });
    // Approve is enabled a moment after the window is in front: the shot shows it ready.
    await expect.poll(() => approve.isEnabled(), { timeout: 30_000 }).toBe(true);
    await capture(approval, 'approval');
    await approve.click().catch(closedByTheClick(approval));
    expect((await answer).result).toMatchObject({ origin: server.origin('localhost'), scope: 'site' });
    await site.close();

    await popup.getByRole('tab', { name: 'Sites' }).click();
    await popup.getByText(server.origin('localhost'), { exact: true }).waitFor();
    await capture(popup, 'sites');
  });

  it('switching identity: which one, and whether the connected site follows', async () => {
    await popup.getByRole('tab', { name: 'Identities' }).click();
    await popup.getByRole('textbox', { name: 'Label' }).fill('Work');
    await popup.getByRole('button', { name: 'Create identity' }).click();
    const dialog = popup.getByRole('dialog', { name: 'Switch to Work now?' });
    await dialog.getByRole('button', { name: 'Switch, sites follow' }).waitFor({ timeout: 30_000 });
    await capture(popup, 'switch-identity');
    await dialog.getByRole('button', { name: 'Not now' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('settings', async () => {
    await popup.getByRole('tab', { name: 'Settings' }).click();
    await expect.poll(() => popup.getByRole('textbox', { name: 'Node URL' }).inputValue()).toBe(node.webUrl);
    await capture(popup, 'settings');
  });

  it('the lock screen', async () => {
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByRole('heading', { name: 'Parley is locked' }).waitFor();
    await capture(popup, 'lock');
  });

  it('covered every screen in both schemes', () => {
    const screens = ['onboarding', 'onboarding-ready', 'new-conversation', 'conversation', 'inbox', 'requests', 'group-settings', 'identities', 'approval', 'sites', 'switch-identity', 'settings', 'lock'];
    expect(captured).toEqual(screens.flatMap((s) => [`${s}-light`, `${s}-dark`]));
  });
});
