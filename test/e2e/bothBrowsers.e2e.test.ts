import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_LOCK_ALARM } from '../../src/background/autoLock';
import { DEFAULT_AUTO_LOCK_MINUTES } from '../../src/background/settings';
import type { Dm, Group } from '../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from '../core/client/clientTestKit';
import { buildExtension, peerReceivesDm, startDappServer } from './browser';
import { launchDriver, type BrowserName, type DriverPage, type ExtensionDriver } from './driver';
import {
  accessChanges,
  approveAccess,
  clickButton,
  clickButtonStartingWith,
  messagesReceived,
  onboardAndApprove,
  recordAccessChanges,
  recordMessages,
  textsReceived,
  uiMessage,
  unlockInPopup,
  waitForText,
  waitUntil,
  xmtpCall,
} from './scenario';
import { sdkStreamTexts, startSdkStreams } from './sdkInPage';

/*
 * The same user stories in Chromium and in Firefox ESR, written once against the driver: a
 * first-time user onboards in the approval window a dApp opened, the dApp DMs a peer (a core
 * Client on the same node, in this process) who reads and replies, the reply streams back to
 * the dApp; a group; revoke and grant again; several messages streamed in order; lock from the
 * popup and by auto-lock, and unlock; the popup closing under a streaming dApp; the background
 * restarting (Chromium's service worker, Firefox's event page: driver.restartBackground). In Firefox ESR 140 DM creation used to fail
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
  let groupId: string;
  let peerDm: Dm;
  let peerGroup: Group;
  /** The popup, in a tab of its own, from the lock test on. */
  let popup: DriverPage;

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
    // Before any grant the page has window.xmtp, no access, and 4100 for what needs one.
    expect((await xmtpCall(dapp, 'xmtp_getAccess')).result).toBeNull();
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).error?.code).toBe(4100);
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

    peerDm = await peerReceivesDm(peer.client, `hello from ${name}`);
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
    groupId = (group.result as { id: string }).id;
    expect((await xmtpCall(dapp, 'xmtp_sendMessage', { conversationId: groupId, content: { type: 'text', text: `group hello from ${name}` } })).error).toBeUndefined();

    await peer.client.conversations.sync();
    peerGroup = (await peer.client.conversations.getConversationById(groupId)) as Group;
    expect(peerGroup?.kind).toBe('group');
    await peerGroup.sync();
    expect(texts(await peerGroup.messages())).toContain(`group hello from ${name}`);
    await peerGroup.sendText(`group answer to ${name}`);
    await waitUntil('the group answer as a message event', () => textsReceived(dapp), (t) => t.includes(`group answer to ${name}`));
  });

  it('cuts access on revocation and grants it again through the approval window', async () => {
    expect((await xmtpCall(dapp, 'xmtp_revokeAccess')).result).toBe(true);
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).error?.code).toBe(4100);
    const again = await approveAccess(driver, dapp);
    expect(again.result).toMatchObject({ scope: 'site', inboxId });
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).result).toMatchObject({ inboxId });
  });

  it('streams several messages in order: the provider\'s message events, and the SDK\'s all-messages and per-conversation streams', async () => {
    // The SDK, bundled into the dApp page, streams over the same window.xmtp.
    await startSdkStreams(dapp, [dmId, groupId]);
    const before = (await messagesReceived(dapp)).length;
    const dmTexts = Array.from({ length: 5 }, (_, i) => `${name} dm ${i}`);
    const groupTexts = Array.from({ length: 5 }, (_, i) => `${name} group ${i}`);
    for (let i = 0; i < 5; i++) {
      await peerDm.sendText(dmTexts[i]!);
      await peerGroup.sendText(groupTexts[i]!);
    }
    const all = await waitUntil('all ten as message events', async () => (await messagesReceived(dapp)).slice(before), (m) => m.length >= 10);
    expect(all).toHaveLength(10);
    expect(all.filter((m) => m.conversationId === dmId).map((m) => m.text)).toEqual(dmTexts);
    expect(all.filter((m) => m.conversationId === groupId).map((m) => m.text)).toEqual(groupTexts);

    const streams = await waitUntil('the SDK streams to read all ten', () => sdkStreamTexts(dapp), (s) => (s['all']?.length ?? 0) >= 10);
    expect(streams['all']).toEqual(all.map((m) => `${m.conversationId} ${m.text}`));
    expect(streams[dmId]).toEqual(dmTexts.map((t) => `${dmId} ${t}`));
    expect(streams[groupId]).toEqual(groupTexts.map((t) => `${groupId} ${t}`));
  });

  it('locks from the popup: the popup shows the lock screen, the dApp loses access; unlock restores it and the stream', async () => {
    popup = await driver.openExtensionPage('src/popup/index.html');
    await waitForText(popup, address);
    await recordAccessChanges(dapp);
    await clickButton(popup, 'Lock');
    await waitForText(popup, 'Parley is locked');
    await waitUntil('the dApp told of the lock', () => accessChanges(dapp), (c) => c.length > 0);
    expect(await accessChanges(dapp)).toEqual([null]);
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).error).toMatchObject({ code: 4100, data: { code: 'Vault.Locked' } });
    expect((await xmtpCall(dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: 'sent while locked' } })).error?.code).toBe(4100);
    await peerDm.sendText(`${name} while locked`);

    await unlockInPopup(popup, PASSWORD, address);
    // The grant outlives the lock: no new approval.
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).result).toMatchObject({ inboxId, address });
    await peerDm.sendText(`${name} after unlock`);
    await waitUntil('the message after the unlock as an event', () => textsReceived(dapp), (t) => t.includes(`${name} after unlock`));
    const history = (await xmtpCall(dapp, 'xmtp_getMessages', { conversationId: dmId })).result as { content: { text?: string } }[];
    expect(history.map((m) => m.content.text)).toEqual(expect.arrayContaining([`${name} while locked`, `${name} after unlock`]));
    expect(history.map((m) => m.content.text)).not.toContain('sent while locked');
  });

  it('locks by itself when the auto-lock alarm fires: the popup and the dApp see it; unlock restores access', async () => {
    expect((await uiMessage(popup, 'settings_set', { autoLockMinutes: 1 })).ok).toBe(true);
    // The shortest setting is a minute; the worker's own alarm is brought forward instead of waited for.
    await popup.evaluate(([alarm]) => chrome.alarms.create(alarm, { when: Date.now() + 500 }), [AUTO_LOCK_ALARM] as const);
    await waitForText(popup, 'Parley is locked', 30_000);
    await waitUntil('the dApp told of the auto-lock', () => accessChanges(dapp), (c) => c.length > 1);
    expect(await accessChanges(dapp)).toEqual([null, null]);
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).error).toMatchObject({ code: 4100, data: { code: 'Vault.Locked' } });

    await unlockInPopup(popup, PASSWORD, address);
    expect((await uiMessage(popup, 'settings_set', { autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES })).ok).toBe(true);
    expect((await xmtpCall(dapp, 'xmtp_getInbox')).result).toMatchObject({ inboxId, address });
    await peerDm.sendText(`${name} after auto-lock`);
    await waitUntil('the message after the auto-lock as an event', () => textsReceived(dapp), (t) => t.includes(`${name} after auto-lock`));
  });

  it('the popup\'s open conversation shows what came while the background restarted, and pushes again after', async () => {
    await clickButtonStartingWith(popup, `${name} group`);
    // The conversation itself (its Messages log), not the list's preview of the newest message.
    const messagesLog = () => popup.evaluate(() => document.querySelector('[role=log][aria-label=Messages]')?.textContent ?? '', undefined);
    await waitUntil('the group\'s Messages log', messagesLog, (t) => t.includes(`${name} group 4`));
    await driver.restartBackground();
    await peerGroup.sendText(`${name} group during the restart`);
    await waitUntil('the message sent during the restart in the log', messagesLog, (t) => t.includes(`${name} group during the restart`));
    await peerGroup.sendText(`${name} group pushed after the restart`);
    await waitUntil('the message pushed after the restart in the log', messagesLog, (t) => t.includes(`${name} group pushed after the restart`));
  });

  it('keeps streaming to the dApp after the popup closes', async () => {
    await popup.close();
    await peerGroup.sendText(`${name} popup closed`);
    await waitUntil('the message after the popup closed as an event', () => textsReceived(dapp), (t) => t.includes(`${name} popup closed`));
  });

  it('answers and streams again after the background restarts, and loses nothing sent meanwhile', async () => {
    const before = (await messagesReceived(dapp)).length;
    await driver.restartBackground();
    await peerDm.sendText(`${name} during the restart`);
    // The request is what wakes the worker if the page's reconnecting Port has not yet.
    const started = performance.now();
    const inbox = await xmtpCall(dapp, 'xmtp_getInbox');
    const wakeToAnswerMs = performance.now() - started;
    expect(inbox.result).toMatchObject({ inboxId, address });
    console.log(`[e2e] ${name}: wake-to-answer after a background restart: ${wakeToAnswerMs.toFixed(1)} ms`);
    await peerDm.sendText(`${name} after the restart`);
    const after = await waitUntil(
      'the messages around the restart as events',
      async () => (await messagesReceived(dapp)).slice(before).map((m) => m.text),
      (t) => t.includes(`${name} after the restart`),
    );
    // Sent while the background was down: an event if the stream caught it on resume, in the history in any case.
    const history = ((await xmtpCall(dapp, 'xmtp_getMessages', { conversationId: dmId })).result as { content: { text?: string } }[]).map((m) => m.content.text);
    expect(history).toEqual(expect.arrayContaining([`${name} during the restart`, `${name} after the restart`, `hello from ${name}`, `${name} dm 4`]));
    expect(after.filter((t) => t === `${name} after the restart`)).toHaveLength(1);
    // The SDK's streams, started before the restart, read on: the page's Port reconnected under them.
    const sdk = await waitUntil('the SDK streams to read the message after the restart', () => sdkStreamTexts(dapp), (s) => (s[dmId] ?? []).includes(`${dmId} ${name} after the restart`));
    expect(sdk['all']!.filter((t) => t === `${dmId} ${name} after the restart`)).toHaveLength(1);

    expect((await xmtpCall(dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: `${name} sent after the restart` } })).error).toBeUndefined();
    await waitUntil('the peer to read the send after the restart', async () => (await peerDm.sync(), texts(await peerDm.messages())), (t) => t.includes(`${name} sent after the restart`));
  });

  it('delivers a burst of 20 sends exactly once and in order though the background restarts in the middle', async () => {
    const burst = Array.from({ length: 20 }, (_, i) => `${name} burst ${String(i).padStart(2, '0')}`);
    // All 20 go out at once; the worker takes them in arrival order.
    await dapp.evaluate(
      ([conversationId, all]) => {
        const w = window as unknown as { outcomes: Record<string, unknown>; xmtp: { request(a: unknown): Promise<unknown> } };
        w.outcomes = {};
        for (const text of all) {
          w.xmtp.request({ method: 'xmtp_sendMessage', params: { conversationId, content: { type: 'text', text } } }).then(
            () => (w.outcomes[text] = 'sent'),
            (e: { code: number }) => (w.outcomes[text] = e.code),
          );
        }
      },
      [dmId, burst] as const,
    );
    const outcomes = () => dapp.evaluate(() => (window as unknown as { outcomes: Record<string, unknown> }).outcomes, undefined);
    await waitUntil('the first sends', outcomes, (o) => Object.keys(o).length >= 5);
    await driver.restartBackground();
    const settled = await waitUntil('every send to settle', outcomes, (o) => Object.keys(o).length === burst.length);
    const failed = burst.filter((t) => settled[t] !== 'sent');
    // A send cut off by the restart is told so (4900), never left hanging or given another error.
    expect(failed.filter((t) => settled[t] !== 4900)).toEqual([]);
    console.log(`[e2e] ${name} burst: ${burst.length - failed.length} answered before the restart, ${failed.length} answered 4900`);

    // A dApp retries a 4900 send only if its message is not in the conversation yet: one that
    // reached the engine is stored with its intent and goes out when the background resumes.
    const stored = (await xmtpCall(dapp, 'xmtp_getMessages', { conversationId: dmId, limit: 200 })).result as { content: { text?: string } }[];
    const have = new Set(stored.map((m) => m.content.text));
    for (const text of failed.filter((t) => !have.has(t))) {
      expect((await xmtpCall(dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text } })).error, text).toBeUndefined();
    }
    const peerBurst = async () => {
      await peerDm.sync();
      return texts(await peerDm.messages()).filter((t) => t.startsWith(`${name} burst `));
    };
    expect(await waitUntil('the peer to have the burst', peerBurst, (t) => t.length >= burst.length, 90_000)).toEqual(burst);
  });
});
