import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { repoRoot } from '../interop/testEnv';
import type { ExtensionBrowser } from './browser';
import { closedByTheClick, launchWithExtension, onboard, peerReceivesDm, startDmAndSend, uiCall } from './browser';

/*
 * `npm start` as package.json runs it (node --import tsx scripts/start.ts), on free ports and scratch folders:
 * the node, the extension's watch build and the demo dApp come up; the demo connects through
 * the extension built by it, DMs a peer and shows the reply live; Ctrl-C stops all three.
 */

const PASSWORD = 'demo e2e password';
const SHOTS = join(repoRoot, 'test-results');

let scratch: string;
let start: ChildProcess;
let startExit: Promise<number | null>;
let startLog = '';
let ports: { grpc: number; web: number; demo: number };
let extensionDir: string;
let browser: ExtensionBrowser;
let inboxId: string;
let address: string;
let bob: Client;
let demo: Page;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function demoUrl(): string {
  return `http://localhost:${ports.demo}`;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'parley-start-'));
  ports = { grpc: await freePort(), web: await freePort(), demo: await freePort() };
  const outDir = join(scratch, 'chrome');
  start = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/start.ts', '--port', String(ports.grpc), '--web-port', String(ports.web), '--demo-port', String(ports.demo), '--data-dir', join(scratch, 'node'), '--out-dir', outDir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
  );
  startExit = new Promise((resolve) => start.once('exit', (code) => resolve(code)));
  const banner = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      startLog += chunk.toString();
      if (startLog.includes('Ctrl-C stops all three.')) resolve();
    };
    start.stdout!.on('data', onData);
    start.stderr!.on('data', onData);
    void startExit.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${startLog.slice(-3000)}`)));
  });
  await banner;
  // The watch build may rewrite its folder: the browser gets a copy of its own.
  extensionDir = join(scratch, 'loaded');
  cpSync(outDir, extensionDir, { recursive: true });
  browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, PASSWORD);
  ({ inboxId, address } = onboarded);
  expect(await uiCall(onboarded.page, 'settings_set', { nodeUrl: `http://localhost:${ports.web}` })).toMatchObject({ ok: true });
  bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: `http://127.0.0.1:${ports.web}`, store: createMemoryStore() });
  mkdirSync(SHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  bob?.close();
  await browser?.close();
  if (start && start.exitCode === null && start.signalCode === null) {
    start.kill('SIGINT');
    await startExit;
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm start and the demo dApp', { timeout: 120_000 }, () => {
  it('serves the node, the extension build and the demo, and says where', async () => {
    expect(startLog).toContain(`gRPC-web http://localhost:${ports.web}`);
    expect(startLog).toContain(`demo dApp      ${demoUrl()}`);
    expect(startLog).toContain('Load unpacked');
    const health = await fetch(`http://127.0.0.1:${ports.web}/health`);
    expect(health.status).toBe(200);
    const page = await (await fetch(demoUrl())).text();
    expect(page).toContain('<title>Parley demo dApp</title>');
    const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as { action: { default_popup: string } };
    expect(manifest.action.default_popup).toBe('src/popup/index.html');
  });

  it('connects through the real extension: approval window, then the inbox', async () => {
    demo = await browser.context.newPage();
    await demo.goto(demoUrl());
    const approvalPage = browser.context.waitForEvent('page', { timeout: 30_000 });
    await demo.getByRole('button', { name: 'Connect' }).click();
    const approval = await approvalPage;
    await approval.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
    expect(await approval.getByTestId('origin').textContent()).toBe(demoUrl());
    await approval.getByRole('button', { name: 'Approve' }).click().catch(closedByTheClick(approval));
    await expect.poll(() => demo.getByTestId('inbox-id').textContent(), { timeout: 30_000 }).toBe(inboxId);
    expect(await demo.getByTestId('address').textContent()).toBe(address);
  });

  it('DMs a peer by address and shows the reply live', async () => {
    const bobAddress = bob.accountIdentifier.identifier;
    const log = await startDmAndSend(demo, bobAddress, 'hello from the demo dApp');
    const dm = await peerReceivesDm(bob, 'hello from the demo dApp');
    // The reply reaches the page as a `message` event (streamAllMessages), without a reload.
    await dm.sendText('hello back, demo');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('hello back, demo');
    await demo.screenshot({ path: join(SHOTS, 'demo-dapp.png'), fullPage: true });
  });

  it('goes back to Connect when the user revokes the site in the extension', async () => {
    const extensionPage = await browser.context.newPage();
    await extensionPage.goto(browser.extensionUrl('src/popup/index.html'));
    expect(await uiCall(extensionPage, 'grants_revoke', { origin: demoUrl() })).toMatchObject({ ok: true });
    await demo.getByRole('status').filter({ hasText: 'This site has no access now: it was revoked' }).waitFor({ timeout: 30_000 });
    expect(await demo.getByRole('button', { name: 'Connect' }).isVisible()).toBe(true);
    await extensionPage.close();
  });

  it('Ctrl-C stops all three', async () => {
    await browser.close();
    start.kill('SIGINT');
    expect(await startExit).toBe(0);
    await expect(fetch(`http://127.0.0.1:${ports.web}/health`)).rejects.toThrow();
    await expect(fetch(demoUrl())).rejects.toThrow();
    expect(existsSync(join(scratch, 'node'))).toBe(true);
  });
});
