import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { Client, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { ParleyNode } from '../interop/parleyNode';
import type { ExtensionBrowser } from './browser';
import { buildExtension, launchWithExtension, onboard, startDappServer, uiCall } from './browser';

/**
 * What several Chromium stories start from: the built extension onboarded (a new identity,
 * pointed at a parley-node of the test), a dApp server with two origins, and a core Client (bob)
 * on the same node as the other member.
 */
export interface OnboardedScene {
  node: ParleyNode;
  sites: Awaited<ReturnType<typeof startDappServer>>;
  browser: ExtensionBrowser;
  /** The onboarded identity. */
  address: string;
  inboxId: string;
  bob: Client;
  openPage(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startOnboardedScene(password: string): Promise<OnboardedScene> {
  const extensionDir = buildExtension();
  const node = await ParleyNode.start();
  const sites = await startDappServer();
  const browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, password);
  const set = await uiCall(onboarded.page, 'settings_set', { nodeUrl: node.webUrl });
  if (!set.ok) throw new Error(`settings_set: ${JSON.stringify(set.error)}`);
  await onboarded.page.close();
  const bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
  return {
    node,
    sites,
    browser,
    address: onboarded.address,
    inboxId: onboarded.inboxId,
    bob,
    async openPage(url) {
      const page = await browser.context.newPage();
      await page.goto(url);
      return page;
    },
    async close() {
      bob.close();
      await browser.close();
      await sites.close();
      await node.stop();
      rmSync(extensionDir, { recursive: true, force: true });
    },
  };
}
