import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import type { Client } from '../../src/core/client';
import { eventually } from '../interop/eventually';
import type { ParleyNode } from '../interop/parleyNode';
import type { ExtensionBrowser } from './browser';
import { peerReceivesDm, requestAndApprove, xmtpRequest } from './browser';
import { startOnboardedScene, type OnboardedScene } from './onboardedScene';

/*
 * xmtp_hmacKeys in real headless Chromium with the built extension, on a parley-node of this
 * test: a site-scoped dApp gets the push-filter keys of the DM it made, and with them a push
 * server's sender check (example-notification-server-go's IsSender: HMAC-SHA256 of the group
 * message's data) recognises the user's message on the node and not the peer's reply; another
 * granted site gets no key of that DM.
 */

const PASSWORD = 'hmac keys e2e password';

let scene: OnboardedScene;
let node: ParleyNode;
let sites: OnboardedScene['sites'];
let browser: ExtensionBrowser;
let address: string;
let bob: Client;

type GroupKeys = { conversationId: string; groupId: string; topic: string; keys: { epoch: number; key: string }[] };

beforeAll(async () => {
  scene = await startOnboardedScene(PASSWORD);
  ({ node, sites, browser, address, bob } = scene);
}, 180_000);

afterAll(() => scene?.close());

const openPage = (url: string): Promise<Page> => scene.openPage(url);

function isSender(key: string, message: { data: Uint8Array; senderHmac: Uint8Array }): boolean {
  return Buffer.from(message.senderHmac).equals(createHmac('sha256', Buffer.from(key, 'hex')).update(message.data).digest());
}

describe('xmtp_hmacKeys', { timeout: 180_000 }, () => {
  it('gives a site the keys of its DM, which a push server uses to skip the user’s own message and not the peer’s', async () => {
    const dapp = await openPage(`${sites.origin('localhost')}/app`);
    expect((await requestAndApprove(browser, dapp)).access.result).toMatchObject({ scope: 'site' });
    await eventually('the user on the network', async () => ((await bob.canMessage([address])).get(address) ? true : undefined), { timeoutMs: 60_000 });
    const created = await xmtpRequest(dapp, 'xmtp_createDm', { identifier: bob.accountIdentifier.identifier });
    const dmId = (created.result as { id: string }).id;
    expect((await xmtpRequest(dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: 'push me not' } })).error).toBeUndefined();
    const bobsDm = await peerReceivesDm(bob, 'push me not');
    await bobsDm.sendText('push me');

    const all = (await xmtpRequest(dapp, 'xmtp_hmacKeys', {})).result as GroupKeys[];
    expect(all.map((k) => [k.conversationId, k.groupId, k.topic])).toEqual([[dmId, dmId, `/xmtp/mls/1/g-${dmId}/proto`]]);
    const current = Math.floor(Date.now() / 1000 / (30 * 24 * 3600));
    expect(all[0]!.keys.map((k) => k.epoch)).toEqual([current - 1, current, current + 1]);
    for (const k of all[0]!.keys) expect(k.key).toMatch(/^[0-9a-f]{84}$/);
    expect((await xmtpRequest(dapp, 'xmtp_hmacKeys', { conversationId: dmId })).result).toEqual(all);

    const page = await createGrpcWebApi({ url: node.webUrl }).queryGroupMessages({ groupId: Buffer.from(dmId, 'hex'), pagingInfo: undefined });
    const stored = page.messages.flatMap((m) => (m.v1 === undefined ? [] : [m.v1]));
    const key = all[0]!.keys[1]!.key;
    const bobsKey = Buffer.from((await bobsDm.hmacKeys())[dmId]![1]!.key).toString('hex');
    // Each message on the node is either the user's (her commit making the DM, her text) or bob's
    // (his reply): the push server skips hers for her and pushes his.
    const senders = stored.map((m) => (isSender(key, m) ? 'user' : isSender(bobsKey, m) ? 'bob' : 'neither'));
    expect(senders.filter((s) => s === 'user').length, senders.join()).toBeGreaterThanOrEqual(2);
    expect(senders.filter((s) => s === 'bob').length, senders.join()).toBeGreaterThanOrEqual(1);
    expect(senders, senders.join()).not.toContain('neither');
    await dapp.close();
  });

  it('gives another granted site no key of a conversation it does not see', async () => {
    const other = await openPage(`${sites.origin('127.0.0.1')}/other`);
    expect((await requestAndApprove(browser, other)).access.result).toMatchObject({ scope: 'site' });
    expect((await xmtpRequest(other, 'xmtp_hmacKeys')).result).toEqual([]);
    const dm = (await bob.conversations.list())[0]!;
    expect((await xmtpRequest(other, 'xmtp_hmacKeys', { conversationId: dm.id })).error).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    await other.close();
  });
});
