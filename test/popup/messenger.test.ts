// @vitest-environment happy-dom
import { fireEvent as domEvent, waitFor } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB_ADDRESS, BOB_NAME, FakeWorker } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

afterEach(unmountAll);

const CAROL_INBOX = 'ca'.repeat(32);
const CAROL_ADDRESS = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65';

function unlockedWorker(): FakeWorker {
  const worker = new FakeWorker();
  worker.state = 'unlocked';
  return worker;
}

const click = (el: Element) => act(() => void domEvent.click(el));

/** A promise the test settles when it chooses: the worker's answer waits on it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('message requests, apart from the inbox', () => {
  it('lists a stranger’s DM under Requests, named by address, and moves it to the inbox when accepted', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm', consentState: 'unknown' });
    worker.receive('aa', 'hello from a stranger');
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    const { screen } = renderPopup(worker);

    // The inbox holds only what the user accepted; the request waits under Requests, counted.
    const inbox = await screen.findByRole('list', { name: 'Conversations' });
    expect(inbox.textContent).toContain('Team');
    expect(inbox.textContent).not.toContain(BOB_NAME);
    click(screen.getByRole('button', { name: 'Requests 1' }));
    const requests = await screen.findByRole('list', { name: 'Message requests' });
    expect(requests.textContent).toContain(BOB_NAME);
    expect(requests.textContent).toContain('hello from a stranger');
    expect(screen.queryByRole('list', { name: 'Conversations' })).toBeNull();

    click(screen.getByRole('button', { name: `Accept ${BOB_NAME}` }));
    await screen.findByText('No message requests. Conversations people you have not accepted start show here.');
    expect(worker.dappCallsOf('xmtp_setConsent')).toEqual([{ conversationId: 'aa', state: 'allowed' }]);
    click(screen.getByRole('button', { name: 'Inbox' }));
    const accepted = await screen.findByRole('button', { name: `${BOB_NAME}, 1 unread` });
    expect(accepted.getAttribute('title')).toBe(BOB_ADDRESS);
    expect(screen.getByRole('button', { name: 'Requests' })).toBeTruthy();
  });

  it('blocks a request from the list: it leaves the requests for Blocked and stops counting as unread', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm', consentState: 'unknown' });
    worker.receive('aa', 'buy now');
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: 'Requests 1' }));
    click(await screen.findByRole('button', { name: `Block ${BOB_NAME}` }));
    const blocked = await screen.findByRole('list', { name: 'Blocked conversations' });
    expect(blocked.textContent).toContain(BOB_NAME);
    expect(screen.getByRole('button', { name: `${BOB_NAME}, blocked` })).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Message requests' })).toBeNull();
    expect(screen.queryByRole('tab', { name: /unread/ })).toBeNull();
    expect(worker.dappCallsOf('xmtp_setConsent')).toEqual([{ conversationId: 'aa', state: 'denied' }]);
  });
});

describe('the list as a messenger shows it', () => {
  it('shows each conversation’s newest message, newest activity first, and marks the unread ones', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team', memberInboxIds: [ALICE.inboxId, CAROL_INBOX] });
    worker.addresses.set(CAROL_INBOX, CAROL_ADDRESS);
    worker.receive('bb', 'standup at ten', CAROL_INBOX);
    // Bob's DM is older but has the newest message: it comes first.
    worker.receive('aa', 'lunch?');
    worker.readNs.set('bb', 1n << 62n);
    const { screen } = renderPopup(worker);

    // The counts come after the worker synced.
    const bob = await screen.findByRole('button', { name: `${BOB_NAME}, 1 unread` });
    const rows = [...screen.getByRole('list', { name: 'Conversations' }).querySelectorAll('li')];
    expect(rows.map((r) => r.querySelector('.conversation-title')?.textContent)).toEqual([BOB_NAME, 'Team']);
    // The preview is the button's description, with when it came.
    const preview = document.getElementById(bob.getAttribute('aria-describedby') ?? '');
    expect(preview?.textContent).toContain('lunch?');
    expect(preview?.querySelector('time')?.getAttribute('dateTime')).toMatch(/^20\d\d-/);
    expect(rows[0]?.classList.contains('unread')).toBe(true);
    // A group's preview names its sender by address; read, the row is not marked.
    expect(rows[1]?.textContent).toContain('0x15d3…6a65: standup at ten');
    expect(rows[1]?.classList.contains('unread')).toBe(false);
  });

  it('updates a preview when a message arrives in a conversation that is not open', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    await screen.findByRole('button', { name: BOB_NAME });
    worker.receive('aa', 'are you there?');
    worker.push({ event: 'messages', conversationId: 'aa' });
    await waitFor(() => expect(screen.getByRole('list', { name: 'Conversations' }).textContent).toContain('are you there?'));
    // That one conversation's page, not every conversation's summary again.
    expect(worker.callsOf('inbox_summaries')).toHaveLength(1);
    expect(worker.dappCallsOf('xmtp_getMessages')).toEqual([{ conversationId: 'aa', limit: 10 }]);
  });

  it('shows a loading list until the first list arrives, and the sync while the worker syncs', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const list = gate();
    const sync = gate();
    worker.held.set('inbox_summaries', list.promise);
    worker.held.set('inbox_activity', sync.promise);
    const { screen } = renderPopup(worker);
    expect(await screen.findByRole('status', { name: 'Loading conversations' })).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Conversations' })).toBeNull();

    await act(() => list.open());
    expect(await screen.findByRole('button', { name: BOB_NAME })).toBeTruthy();
    expect(screen.queryByRole('status', { name: 'Loading conversations' })).toBeNull();
    await waitFor(() => expect(screen.getByText('Syncing with your node…')).toBeTruthy());

    // The worker says how far it is: the status counts conversations.
    worker.push({ event: 'syncProgress', synced: 2, total: 5 });
    await waitFor(() => expect(screen.getByText('Syncing with your node: 2 of 5 conversations…')).toBeTruthy());

    await act(() => sync.open());
    await waitFor(() => expect(screen.queryByText(/Syncing with your node/)).toBeNull());
  });
});

describe('an open conversation names people by address', () => {
  it('shows the DM peer’s address with a button that copies all of it', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (text: string) => void copied.push(text) } });
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: BOB_NAME }));
    const heading = await screen.findByRole('heading', { name: BOB_NAME });
    expect(heading.getAttribute('title')).toBe(BOB_ADDRESS);
    click(screen.getByRole('button', { name: `Copy address ${BOB_ADDRESS}` }));
    await screen.findByText('Copied');
    expect(copied).toEqual([BOB_ADDRESS]);
  });

  it('copies our own address from the header', async () => {
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (text: string) => void copied.push(text) } });
    const { screen } = renderPopup(unlockedWorker());
    click(await screen.findByRole('button', { name: `Copy address ${ALICE.address}` }));
    await screen.findByText('Copied');
    expect(copied).toEqual([ALICE.address]);
    expect(screen.getByTestId('address').textContent).toBe(ALICE.address);
  });

  it('says so when the clipboard refuses, instead of claiming it copied', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async () => Promise.reject(new Error('denied')) } });
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: BOB_NAME }));
    click(await screen.findByRole('button', { name: `Copy address ${BOB_ADDRESS}` }));
    expect(await screen.findByText('Could not copy here: hover the address to read it whole')).toBeTruthy();
    expect(screen.queryByText('Copied')).toBeNull();
  });

  it('names a group’s senders by their addresses, asked of the worker when the group opens', async () => {
    const worker = unlockedWorker();
    const dave = 'da'.repeat(32);
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team', memberInboxIds: [ALICE.inboxId, CAROL_INBOX, dave] });
    worker.addresses.set(CAROL_INBOX, CAROL_ADDRESS);
    worker.addresses.set(dave, BOB_ADDRESS);
    worker.receive('bb', 'morning', dave);
    worker.receive('bb', 'hi all', CAROL_INBOX);
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: 'Team, 2 unread' }));
    const log = await screen.findByRole('log', { name: 'Messages' });
    // Carol's address came with the list (her message is its preview); Dave's is asked for now.
    await waitFor(() => expect([...log.querySelectorAll('.message-sender')].map((e) => e.textContent)).toEqual([BOB_NAME, '0x15d3…6a65']));
    expect(log.querySelector('.message-sender')?.getAttribute('title')).toBe(BOB_ADDRESS);
    expect(worker.callsOf('inbox_addresses')).toEqual([{ inboxIds: [ALICE.inboxId, dave] }]);
  });
});

describe('errors a person can act on', () => {
  it('shows what failed, what to do and the code the worker logged it under', async () => {
    const worker = unlockedWorker();
    worker.dappFailures.set('xmtp_createDm', { code: 'Client.NoInbox', message: 'That address has no XMTP inbox.' });
    const { screen } = renderPopup(worker);
    const field = await screen.findByRole('textbox', { name: 'Address' });
    act(() => void domEvent.input(field, { target: { value: BOB_ADDRESS } }));
    click(screen.getByRole('button', { name: 'Start DM' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('That address has no XMTP inbox. That address has no XMTP inbox yet: its owner must open an XMTP app once. [Client.NoInbox]');
  });

  it('points at the node when the node cannot be reached', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    worker.dappFailures.set('xmtp_sendMessage', { code: 'Api.Network', message: 'The node could not be reached.' });
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: BOB_NAME }));
    const field = await screen.findByRole('textbox', { name: 'Message' });
    act(() => void domEvent.input(field, { target: { value: 'hello?' } }));
    click(screen.getByRole('button', { name: 'Send' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The node could not be reached. Check that the node is running, or choose another in Settings. [Api.Network]');
  });
});
