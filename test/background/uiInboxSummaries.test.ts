import { beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import type { InboxSummaries } from '../../src/core/rpc/ui';
import { PREVIEW_CHARS } from '../../src/background/uiInboxSummaries';
import { createHarness, EXTENSION_ORIGIN, resetBrowser } from './harness';

const POPUP = `${EXTENSION_ORIGIN}/src/popup/index.html`;
const BOB = 'b0'.repeat(32);
const CAROL = 'c0'.repeat(32);
const BOB_ADDRESS = '0x90f79bf6eb2c4f870365e785982e1f101e93b906';

beforeEach(() => resetBrowser());

function message(conversationId: string, n: number, content: Message['content'], sender = BOB): Message {
  return { id: `${conversationId}${n}`, conversationId, senderInboxId: sender, sentAtNs: String(n), contentType: 'xmtp.org/text:1.0', content };
}

describe('the popup list’s summaries (inbox_summaries, inbox_addresses)', () => {
  it('gives each conversation its newest readable message and each DM peer its address', async () => {
    const h = await createHarness();
    await h.onboard();
    const dm = h.messaging.add({ kind: 'dm', peerInboxId: BOB, consentState: 'unknown' });
    const group = h.messaging.add({ kind: 'group', name: 'Team' });
    const quiet = h.messaging.add({ kind: 'dm', peerInboxId: CAROL });
    h.messaging.addresses.set(BOB, BOB_ADDRESS);
    h.messaging.messages.set(dm.id, [message(dm.id, 1, { type: 'text', text: 'hi' }), message(dm.id, 2, { type: 'text', text: 'are you there?' }), message(dm.id, 3, { type: 'readReceipt' })]);
    h.messaging.messages.set(group.id, [message(group.id, 4, { type: 'text', text: 'x'.repeat(5000) })]);

    const reply = await h.ui('inbox_summaries', undefined, POPUP);
    expect(reply.ok).toBe(true);
    const summaries = reply.result as InboxSummaries;
    // The receipt after it is no preview: the message before it is.
    expect(summaries.conversations[dm.id]?.lastMessage?.content).toEqual({ type: 'text', text: 'are you there?' });
    const long = summaries.conversations[group.id]?.lastMessage?.content;
    expect(long?.type === 'text' && long.text.length).toBe(PREVIEW_CHARS);
    expect(summaries.conversations[quiet.id]).toEqual({});
    // Carol's log names no address: she is left out, not an error.
    expect(summaries.addresses).toEqual({ [BOB]: BOB_ADDRESS });
  });

  it('leaves an attachment’s data out of its preview', async () => {
    const h = await createHarness();
    await h.onboard();
    const dm = h.messaging.add({ kind: 'dm', peerInboxId: BOB });
    h.messaging.messages.set(dm.id, [message(dm.id, 1, { type: 'attachment', filename: 'cat.png', mimeType: 'image/png', data: 'AAAA'.repeat(1000) })]);
    const summaries = (await h.ui('inbox_summaries', undefined, POPUP)).result as InboxSummaries;
    expect(summaries.conversations[dm.id]?.lastMessage?.content).toEqual({ type: 'attachment', filename: 'cat.png', mimeType: 'image/png', data: '' });
  });

  it('resolves the addresses of a group’s senders, skipping inboxes without one', async () => {
    const h = await createHarness();
    await h.onboard();
    h.messaging.addresses.set(BOB, BOB_ADDRESS);
    const reply = await h.ui('inbox_addresses', { inboxIds: [BOB, CAROL, BOB] }, POPUP);
    expect(reply).toEqual({ ok: true, result: { [BOB]: BOB_ADDRESS } });
  });

  it('refuses malformed inbox ids and too many of them', async () => {
    const h = await createHarness();
    await h.onboard();
    expect((await h.ui('inbox_addresses', { inboxIds: ['not hex'] }, POPUP)).error).toMatchObject({ code: 'Rpc.InvalidParams' });
    expect((await h.ui('inbox_addresses', { inboxIds: BOB }, POPUP)).error).toMatchObject({ code: 'Rpc.InvalidParams' });
    expect((await h.ui('inbox_addresses', { inboxIds: Array.from({ length: 257 }, () => BOB) }, POPUP)).error).toMatchObject({ code: 'Rpc.InvalidParams' });
  });

  it('answers Vault.Locked while locked, so the popup shows its lock screen', async () => {
    const h = await createHarness();
    await h.onboard();
    expect((await h.ui('vault_lock', undefined, POPUP)).ok).toBe(true);
    expect((await h.ui('inbox_summaries', undefined, POPUP)).error).toMatchObject({ code: 'Vault.Locked' });
    expect((await h.ui('inbox_addresses', { inboxIds: [BOB] }, POPUP)).error).toMatchObject({ code: 'Vault.Locked' });
  });

  it('answers only Parley’s own pages, never a web page’s content script', async () => {
    const h = await createHarness();
    await h.onboard();
    h.messaging.addresses.set(BOB, BOB_ADDRESS);
    const fromPage = await h.bg.onUiMessage({ parley: 'ui', method: 'inbox_addresses', params: { inboxIds: [BOB] } }, { id: 'parleytestextensionid', url: 'https://evil.example/app' });
    expect(fromPage).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
    const summaries = await h.bg.onUiMessage({ parley: 'ui', method: 'inbox_summaries' }, { id: 'another-extension', url: POPUP });
    expect(summaries).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
  });
});
