// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDemoStore } from '../../demo/demoStore';
import type { Access } from '../../src/core/rpc';
import { ALICE, BOB_ADDRESS, BOB_INBOX, conversation, grantedProvider } from '../sdk/fakeProvider';

const BOB = { inboxId: BOB_INBOX, address: BOB_ADDRESS, installationId: 'd'.repeat(64) };

/** The demo over a fake window.xmtp whose active identity the test switches, as Parley's worker does. */
function setup() {
  let inbox = ALICE;
  const provider = grantedProvider()
    .handle('xmtp_getInbox', () => inbox)
    .handle('xmtp_getAccess', () => ({ origin: 'http://localhost:5173', scope: 'site', inboxId: inbox.inboxId, address: inbox.address, grantedAt: 1 }))
    .handle('xmtp_listConversations', () => (inbox === ALICE ? [conversation('0a', 'dm')] : [conversation('0b', 'group', { name: 'Work team' })]));
  (globalThis as unknown as { xmtp: unknown }).xmtp = provider;
  const switchTo = (next: typeof ALICE): Access => {
    inbox = next;
    return { origin: 'http://localhost:5173', scope: 'site', inboxId: next.inboxId, address: next.address, grantedAt: 2 };
  };
  return { provider, switchTo, store: createDemoStore() };
}

afterEach(() => {
  delete (globalThis as unknown as { xmtp?: unknown }).xmtp;
});

describe('the demo dApp and a switch of identity in Parley', () => {
  it('shows the new address and that inbox\'s conversations when the site followed the switch', async () => {
    const { provider, switchTo, store } = setup();
    await store.start();
    await vi.waitFor(() => expect(store.conversations.value.map((c) => c.id)).toEqual(['0a']));
    expect(store.identity.value).toEqual({ address: ALICE.address, inboxId: ALICE.inboxId });

    provider.emit('accessChanged', switchTo(BOB));
    await vi.waitFor(() => expect(store.identity.value).toEqual({ address: BOB.address, inboxId: BOB.inboxId }));
    await vi.waitFor(() => expect(store.conversations.value.map((c) => c.id)).toEqual(['0b']));
    expect(store.notice.value).toBe(`Parley switched this site to ${BOB.address}.`);
  });

  it('disconnects when the site stays with the old identity, and reconnects when access comes back', async () => {
    const { provider, switchTo, store } = setup();
    await store.start();
    await vi.waitFor(() => expect(store.client.value).not.toBeNull());
    provider.emit('accessChanged', null);
    expect(store.client.value).toBeNull();
    expect(store.notice.value).toContain('no access now');

    provider.emit('accessChanged', switchTo(ALICE));
    await vi.waitFor(() => expect(store.client.value?.address).toBe(ALICE.address));
    await vi.waitFor(() => expect(store.conversations.value.map((c) => c.id)).toEqual(['0a']));
  });
});
