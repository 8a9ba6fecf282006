import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import { eventually } from '../interop/eventually';
import { ParleyNode } from '../interop/parleyNode';
import { Peer, type CreatedClient, type MessageInfo } from '../interop/peer';
import { newPeerIdentity } from '../interop/peerIdentity';
import { repoRoot, requireInteropEnv } from '../interop/testEnv';
import type { ExtensionBrowser } from './browser';
import { buildExtension, launchWithExtension, onboard, requestAndApprove, startDappServer, uiCall, xmtpRequest } from './browser';

/*
 * Issue 5, browser ↔ native interop: Alice is a Parley extension user (real Chromium, the built
 * dist/chrome, onboarded through the UI, a test dApp granted `site` access); bob and carol are
 * unmodified @xmtp/node-sdk 6.0.0 clients (libxmtp 1.10.0 over native gRPC, test/interop/peer).
 * All three are on one parley-node: the extension over gRPC-web, node-sdk over h2c.
 * The steps are one story and run in order.
 */

const PASSWORD = 'node-sdk e2e password';
const TEXT = 'xmtp.org/text:1.0';
const SETTLE_MS = 90_000;
const STEP_TIMEOUT_MS = 240_000;

interface SdkPeer {
  name: string;
  peer: Peer;
  client: CreatedClient;
}

let workDir: string;
let extensionDir: string;
let node: ParleyNode;
let server: Awaited<ReturnType<typeof startDappServer>>;
let browser: ExtensionBrowser;
let extensionPage: Page;
let dapp: Page;
let alice: { address: string; inboxId: string };
const peers: SdkPeer[] = [];
let bob: SdkPeer;
let carol: SdkPeer;
let bobDmId: string;
let carolDmId: string;

async function startSdkPeer(name: string): Promise<SdkPeer> {
  const identity = newPeerIdentity();
  const peer = Peer.spawn(name, { commandTimeoutMs: 120_000 });
  try {
    const client = await peer.create({
      privateKey: identity.privateKey,
      apiUrl: node.apiUrl,
      dbPath: join(workDir, `${name}.db3`),
      dbEncryptionKey: identity.dbEncryptionKey,
      loggingLevel: 'Info',
    });
    const member = { name, peer, client };
    peers.push(member);
    return member;
  } catch (error) {
    await peer.kill();
    throw error;
  }
}

/** The `message` events the dApp page has received so far. */
function dappMessages(): Promise<Message[]> {
  return dapp.evaluate(() => (window as unknown as { received: Message[] }).received);
}

/** What each side saw, for a failure message. */
async function describeState(): Promise<string> {
  const sides = await Promise.all(peers.map(async (p) => `${p.name} (node-sdk): ${JSON.stringify(await p.peer.conversations().catch((e: unknown) => String(e)))}\n--- ${p.name} log (tail) ---\n${p.peer.logTail(20)}`));
  const events = await dappMessages().catch((e: unknown) => String(e));
  return `${sides.join('\n')}\ndApp message events: ${JSON.stringify(events).slice(0, 2000)}\n--- parley-node log (tail) ---\n${node.logTail(40)}`;
}

/** Syncs a node-sdk peer until its copy of the conversation holds `text`. */
function untilSdkText(member: SdkPeer, conversationId: string, text: string): Promise<MessageInfo> {
  return eventually(
    `${member.name} (node-sdk) has "${text}"`,
    async () => {
      await member.peer.syncAll();
      return (await member.peer.messages(conversationId).catch((): MessageInfo[] => [])).find((m) => m.contentType === TEXT && m.content === text);
    },
    { timeoutMs: SETTLE_MS, intervalMs: 500, describe: describeState },
  );
}

/** Waits for the dApp's `message` event carrying `text`; nothing here syncs on its behalf. */
function untilDappEvent(text: string): Promise<Message> {
  return eventually(
    `the dApp's message event "${text}"`,
    async () => (await dappMessages()).find((m) => m.content.type === 'text' && m.content.text === text),
    { timeoutMs: SETTLE_MS, intervalMs: 250, describe: describeState },
  );
}

beforeAll(async () => {
  requireInteropEnv();
  workDir = await mkdtemp(join(tmpdir(), 'parley-e2e-node-sdk-'));
  extensionDir = buildExtension();
  node = await ParleyNode.start({ logLevel: 'debug' });
  server = await startDappServer();
  browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, PASSWORD);
  extensionPage = onboarded.page;
  alice = { address: onboarded.address, inboxId: onboarded.inboxId };
  const set = await uiCall(extensionPage, 'settings_set', { nodeUrl: node.webUrl });
  if (!set.ok) throw new Error(`settings_set: ${JSON.stringify(set.error)}`);
  dapp = await browser.context.newPage();
  await dapp.goto(`${server.origin('localhost')}/dapp`);
  await dapp.evaluate(() => {
    const w = window as unknown as { received: unknown[]; xmtp: { on(e: string, f: (d: unknown) => void): void } };
    w.received = [];
    w.xmtp.on('message', (m) => w.received.push(m));
  });
  [bob, carol] = await Promise.all([startSdkPeer('bob'), startSdkPeer('carol')]);
}, 300_000);

afterEach((context) => {
  if (context.task.result?.state === 'fail' && node) console.error(`--- parley-node log (tail) after "${context.task.name}" ---\n${node.logTail(120)}`);
});

afterAll(async () => {
  // Logs for whoever debugs a failure (test-results/ is gitignored).
  const logDir = join(repoRoot, 'test-results/e2e/node-sdk');
  await mkdir(logDir, { recursive: true });
  if (node) await writeFile(join(logDir, 'parley-node.log'), `${node.log.join('\n')}\n`);
  for (const p of peers) await writeFile(join(logDir, `${p.name}.log`), `${p.peer.log.join('\n')}\n`);
  await Promise.all(peers.map((p) => p.peer.close()));
  await browser?.close();
  await server?.close();
  await node?.stop();
  if (extensionDir) await rm(extensionDir, { recursive: true, force: true });
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 120_000);

describe('a Parley extension user and node-sdk 6.0.0 clients on one parley-node', () => {
  it('the dApp is granted site access and finds the node-sdk clients on the network', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { access } = await requestAndApprove(browser, dapp);
    expect(access.result).toMatchObject({ scope: 'site', inboxId: alice.inboxId, address: alice.address });
    expect(bob.client.isRegistered).toBe(true);
    const reachable = await xmtpRequest(dapp, 'xmtp_canMessage', { identifiers: [bob.client.address, carol.client.address] });
    expect(reachable.result).toEqual({ [bob.client.address]: true, [carol.client.address]: true });
    // The extension's inbox registers when its worker first opens the engine (the grant above).
    await eventually('node-sdk finds the extension user', async () => ((await bob.peer.canMessage([alice.address]))[alice.address] ? true : undefined), {
      timeoutMs: SETTLE_MS,
      intervalMs: 500,
      describe: describeState,
    });
    expect(await bob.peer.inboxIdFor(alice.address)).toBe(alice.inboxId);
  });

  it('the dApp DMs a node-sdk client, which reads it; its reply reaches the dApp as a message event', { timeout: STEP_TIMEOUT_MS }, async () => {
    const dm = await xmtpRequest(dapp, 'xmtp_createDm', { identifier: bob.client.address });
    expect(dm.error).toBeUndefined();
    expect(dm.result).toMatchObject({ kind: 'dm', peerInboxId: bob.client.inboxId });
    bobDmId = (dm.result as { id: string }).id;
    const sent = await xmtpRequest(dapp, 'xmtp_sendMessage', { conversationId: bobDmId, content: { type: 'text', text: 'hello bob, from a dApp in Chromium' } });
    expect(sent.error).toBeUndefined();

    const hello = await untilSdkText(bob, bobDmId, 'hello bob, from a dApp in Chromium');
    // Both sides derive the same message id (libxmtp calculate_message_id).
    expect(hello).toMatchObject({ id: (sent.result as { id: string }).id, senderInboxId: alice.inboxId, kind: 'application' });
    expect(await bob.peer.conversation(bobDmId)).toMatchObject({ type: 'dm', peerInboxId: alice.inboxId });

    const replyId = await bob.peer.send(bobDmId, 'hi dApp, from node-sdk');
    const event = await untilDappEvent('hi dApp, from node-sdk');
    expect(event).toMatchObject({ id: replyId, conversationId: bobDmId, senderInboxId: bob.client.inboxId, contentType: TEXT });
    // The reply is in the conversation as the dApp reads it too, after its own message.
    const page = (await xmtpRequest(dapp, 'xmtp_getMessages', { conversationId: bobDmId })).result as Message[];
    expect(page.flatMap((m) => (m.content.type === 'text' ? [m.content.text] : []))).toEqual(['hello bob, from a dApp in Chromium', 'hi dApp, from node-sdk']);
  });

  it('a DM a node-sdk client starts reaches the extension user; shared with the site, its next message is a dApp event', { timeout: STEP_TIMEOUT_MS }, async () => {
    const started = await carol.peer.newDmWithAddress(alice.address);
    carolDmId = started.id;
    expect(started).toMatchObject({ type: 'dm', peerInboxId: alice.inboxId });
    await carol.peer.send(carolDmId, 'hello Parley, carol here');

    // The user's own inbox (the popup's view) has it: the worker joined from the welcome.
    const inbox = (method: string, params: unknown) => uiCall(extensionPage, 'inbox_request', { method, params });
    const joined = await eventually(
      'the extension joins the DM carol started',
      async () => {
        const list = await inbox('xmtp_listConversations', {});
        return (list.result as { id: string; peerInboxId?: string }[] | undefined)?.find((c) => c.id === carolDmId);
      },
      { timeoutMs: SETTLE_MS, intervalMs: 500, describe: describeState },
    );
    expect(joined).toMatchObject({ kind: 'dm', peerInboxId: carol.client.inboxId });
    const firstTexts = await eventually(
      'the extension has carol\'s first message',
      async () => {
        const messages = (await inbox('xmtp_getMessages', { conversationId: carolDmId })).result as Message[] | undefined;
        const texts = (messages ?? []).flatMap((m) => (m.content.type === 'text' ? [m.content.text] : []));
        return texts.length > 0 ? texts : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: 500, describe: describeState },
    );
    expect(firstTexts).toEqual(['hello Parley, carol here']);

    // A node-sdk DM carries no site origin, so a site-scoped dApp sees it only once shared (DESIGN §4).
    expect((await xmtpRequest(dapp, 'xmtp_listConversations', {})).result as { id: string }[]).not.toContainEqual(expect.objectContaining({ id: carolDmId }));
    expect(await dappMessages()).not.toContainEqual(expect.objectContaining({ conversationId: carolDmId }));
    const shared = await uiCall(extensionPage, 'grants_share', { origin: server.origin('localhost'), conversationId: carolDmId });
    expect(shared.ok).toBe(true);
    expect(((await xmtpRequest(dapp, 'xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).toContain(carolDmId);

    const secondId = await carol.peer.send(carolDmId, 'carol again, now the dApp can see it');
    expect(await untilDappEvent('carol again, now the dApp can see it')).toMatchObject({ id: secondId, conversationId: carolDmId, senderInboxId: carol.client.inboxId });

    const answer = await xmtpRequest(dapp, 'xmtp_sendMessage', { conversationId: carolDmId, content: { type: 'text', text: 'hello carol, from the dApp' } });
    expect(answer.error).toBeUndefined();
    await untilSdkText(carol, carolDmId, 'hello carol, from the dApp');
    expect(await carol.peer.texts(carolDmId)).toEqual(['hello Parley, carol here', 'carol again, now the dApp can see it', 'hello carol, from the dApp']);
  });
});
