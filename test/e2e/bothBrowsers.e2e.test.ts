import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group } from '../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from '../core/client/clientTestKit';
import { buildExtension, peerReceivesDm, startDappServer } from './browser';
import { launchDriver, type BrowserName, type DriverPage, type ExtensionDriver } from './driver';
import { approveAccess, onboardAndApprove, recordMessages, textsReceived, uiMessage, waitUntil, xmtpCall } from './scenario';

/*
 * The same user stories in Chromium and in Firefox ESR, written once against the driver: a
 * first-time user onboards in the approval window a dApp opened, the dApp DMs a peer (a core
 * Client on the same node, in this process) who reads and replies, the reply streams back to
 * the dApp; a group; revoke and grant again. In Firefox ESR 140 DM creation used to fail
 * (-32603): its WebCrypto cannot export an X25519 private key as JWK (DESIGN §7). This
 * machine's firefox-esr (153) can, so the Firefox build here gets ESR 140's refusal first
 * (firefox140X25519Gap), in its background page, where all the crypto runs.
 */

const PASSWORD = 'both browsers e2e password';

/** A background script run before the extension's own: exportKey('jwk') of an X25519 key fails, as in ESR 140. */
const ESR140_X25519_GAP = `
const subtle = globalThis.crypto.subtle;
const exportKey = subtle.exportKey.bind(subtle);
subtle.exportKey = (format, key) =>
  format === 'jwk' && key.algorithm.name === 'X25519'
    ? Promise.reject(new DOMException('Operation is not supported', 'NotSupportedError'))
    : exportKey(format, key);
`;

function firefox140X25519Gap(extensionDir: string): void {
  writeFileSync(join(extensionDir, 'esr140-x25519-gap.js'), ESR140_X25519_GAP);
  const manifestPath = join(extensionDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { background: { scripts: string[] } };
  manifest.background.scripts.unshift('esr140-x25519-gap.js');
  writeFileSync(manifestPath, JSON.stringify(manifest));
}

let network: TestNetwork;
let server: Awaited<ReturnType<typeof startDappServer>>;
const builds: Partial<Record<BrowserName, string>> = {};

beforeAll(async () => {
  // A test install's Firefox extension gets a random moz-extension UUID, not the dev default's.
  network = await startTestNetwork({ corsOrigins: ['*'] });
  server = await startDappServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await network?.stop();
  for (const dir of Object.values(builds)) rmSync(dir, { recursive: true, force: true });
});

describe.each(['chromium', 'firefox'] as const)('in %s', { timeout: 120_000 }, (name) => {
  let driver: ExtensionDriver;
  let dapp: DriverPage;
  let peer: TestUser;
  let address: string;
  let inboxId: string;
  let dmId: string;

  beforeAll(async () => {
    builds[name] = buildExtension(name === 'chromium' ? 'chrome' : 'firefox');
    if (name === 'firefox') firefox140X25519Gap(builds[name]);
    driver = await launchDriver(name, builds[name]!);
    dapp = await driver.openPage(`${server.origin('localhost')}/${name}`);
    peer = await newUser(network);
  }, 240_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('onboards in the approval window a dApp opened, and grants the dApp', async () => {
    const onboarded = await onboardAndApprove(driver, dapp, PASSWORD, async (extensionPage) => {
      expect((await uiMessage(extensionPage, 'settings_set', { nodeUrl: network.url })).ok).toBe(true);
    });
    expect(onboarded.approval.error).toBeUndefined();
    expect(onboarded.approval.result).toMatchObject({ origin: server.origin('localhost'), scope: 'site' });
    ({ address, inboxId } = onboarded);
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).result).toMatchObject({ inboxId, address });
  });

  it('creates a DM the peer reads; the peer\'s reply reaches the dApp as a message event', async () => {
    await recordMessages(dapp);
    const dm = await xmtpCall(dapp, 'xmtp_createDm', { identifier: peer.address });
    expect(dm.error).toBeUndefined();
    expect(dm.result).toMatchObject({ kind: 'dm', peerInboxId: peer.client.inboxId });
    dmId = (dm.result as { id: string }).id;
    const sent = await xmtpCall(dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: `hello from ${name}` } });
    expect(sent.error).toBeUndefined();

    const peerDm = await peerReceivesDm(peer.client, `hello from ${name}`);
    expect(peerDm.id).toBe(dmId);
    expect(peerDm.peerInboxId()).toBe(inboxId);
    await peerDm.sendText(`reply to ${name}`);
    await waitUntil('the reply as a message event', () => textsReceived(dapp), (t) => t.includes(`reply to ${name}`));
    const history = (await xmtpCall(dapp, 'xmtp_getMessages', { conversationId: dmId })).result as { content: { text?: string } }[];
    expect(history.map((m) => m.content.text)).toEqual(expect.arrayContaining([`hello from ${name}`, `reply to ${name}`]));
  });

  it('creates a group with the peer, who joins and reads it; the peer\'s answer reaches the dApp', async () => {
    const group = await xmtpCall(dapp, 'xmtp_createGroup', { identifiers: [peer.address], name: `${name} group` });
    expect(group.error).toBeUndefined();
    const groupId = (group.result as { id: string }).id;
    expect((await xmtpCall(dapp, 'xmtp_sendMessage', { conversationId: groupId, content: { type: 'text', text: `group hello from ${name}` } })).error).toBeUndefined();

    await peer.client.conversations.sync();
    const peerGroup = (await peer.client.conversations.getConversationById(groupId)) as Group | undefined;
    expect(peerGroup?.kind).toBe('group');
    await peerGroup!.sync();
    expect(texts(await peerGroup!.messages())).toContain(`group hello from ${name}`);
    await peerGroup!.sendText(`group answer to ${name}`);
    await waitUntil('the group answer as a message event', () => textsReceived(dapp), (t) => t.includes(`group answer to ${name}`));
  });

  it('cuts access on revocation and grants it again through the approval window', async () => {
    expect((await xmtpCall(dapp, 'xmtp_revokeAccess')).result).toBe(true);
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).error?.code).toBe(4100);
    const again = await approveAccess(driver, dapp);
    expect(again.result).toMatchObject({ scope: 'site', inboxId });
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).result).toMatchObject({ inboxId });
  });
});
