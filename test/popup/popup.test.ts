// @vitest-environment happy-dom
import { fireEvent as domEvent, waitFor } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPopupApi } from '../../src/popup/inbox/popupApi';
import { FOCUS_RESYNC_MIN_MS, startInboxSync } from '../../src/popup/inbox/stores/inboxSync';
import { createStores } from '../../src/popup/inbox/stores/stores';
import { ALICE, BOB_ADDRESS, BOB_NAME, FakeWorker, PASSWORD, WORK } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

afterEach(unmountAll);

function unlockedWorker(): FakeWorker {
  const worker = new FakeWorker();
  worker.state = 'unlocked';
  return worker;
}

/** Events inside act(): Preact renders the state they set before the next line runs, as a browser would before the next user action. */
const fireEvent = {
  input: (el: Element, init: object) => act(() => void domEvent.input(el, init)),
  click: (el: Element) => act(() => void domEvent.click(el)),
  submit: (el: Element) => act(() => void domEvent.submit(el)),
};

/** Opening a conversation ends with its read mark: what the worker holds after that is news to the popup. */
async function opened(worker: FakeWorker, conversationId: string): Promise<void> {
  await waitFor(() => expect(worker.callsOf('inbox_markRead')).toContainEqual({ conversationId }));
}

function type(input: HTMLElement, value: string): void {
  fireEvent.input(input, { target: { value } });
}

describe('lock screen', () => {
  it('unlocks with the password and shows the address and inbox id', async () => {
    const { screen } = renderPopup(new FakeWorker());
    type(await screen.findByLabelText('Password'), PASSWORD);
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByText(ALICE.address)).toBeTruthy();
    expect(screen.getByTestId('inbox-id').getAttribute('title')).toBe(ALICE.inboxId);
    expect(screen.getByRole('tab', { name: /Conversations/ })).toBeTruthy();
  });

  it("shows the worker's message for a wrong password and stays locked", async () => {
    const { screen } = renderPopup(new FakeWorker());
    type(await screen.findByLabelText('Password'), 'not the password');
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong password. [Vault.WrongPassword]');
    expect(screen.getByRole('button', { name: 'Unlock' })).toBeTruthy();
  });

  it('after too many wrong passwords, says how long to wait and keeps Unlock off until then', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const worker = new FakeWorker();
      worker.unlockThrottleMs = 5_000;
      const { screen } = renderPopup(worker);
      type(await screen.findByLabelText('Password'), PASSWORD);
      fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
      expect((await screen.findByRole('alert')).textContent).toBe('Too many wrong passwords. Try again in 5 s.');
      expect((screen.getByRole('button', { name: 'Unlock' }) as HTMLButtonElement).disabled).toBe(true);

      worker.unlockThrottleMs = 0;
      vi.setSystemTime(Date.now() + 5_000);
      await waitFor(() => expect((screen.getByRole('button', { name: 'Unlock' }) as HTMLButtonElement).disabled).toBe(false));
      expect(screen.queryByRole('alert')).toBeNull();
      fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
      expect(await screen.findByText(ALICE.address)).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the lock screen when the vault auto-locks under the open popup', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    await screen.findByRole('button', { name: 'Lock' });
    worker.state = 'locked';
    worker.push({ event: 'session' });
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows the inbox when the vault is unlocked elsewhere (an approval window)', async () => {
    const worker = new FakeWorker();
    const { screen } = renderPopup(worker);
    await screen.findByRole('button', { name: 'Unlock' });
    worker.state = 'unlocked';
    worker.push({ event: 'session' });
    expect(await screen.findByRole('button', { name: 'Lock' })).toBeTruthy();
  });

  it('shows the lock screen when a call finds the vault locked', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) });
    worker.state = 'locked';
    worker.push({ event: 'conversations' });
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('Lock returns to the lock screen', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: 'Lock' }));
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
    expect(worker.state).toBe('locked');
  });
});

describe('first use', () => {
  it('runs the onboarding flow, then opens the inbox', async () => {
    const worker = new FakeWorker();
    worker.state = 'uninitialized';
    const { screen } = renderPopup(worker);
    type(await screen.findByLabelText('Password'), PASSWORD);
    type(screen.getByLabelText('Confirm password'), PASSWORD);
    fireEvent.click(screen.getByRole('button', { name: 'Create identity' }));
    expect(await screen.findByRole('tab', { name: /Conversations/ })).toBeTruthy();
    expect(worker.callsOf('vault_create')).toEqual([{ password: PASSWORD }]);
    expect(screen.getByTestId('address').textContent).toBe(WORK.address);
  });
});

describe('conversations', () => {
  it('lists conversations with their unread counts', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    worker.receive('bb', 'one');
    worker.receive('bb', 'two');
    const { screen } = renderPopup(worker);
    expect(await screen.findByRole('button', { name: 'Team, 2 unread' })).toBeTruthy();
    expect(screen.getByRole('button', { name: BOB_NAME })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Conversations, 2 unread' })).toBeTruthy();
  });

  it('opens a conversation with its messages and marks it read', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    worker.receive('bb', 'hello alice');
    worker.receive('bb', 'from me', ALICE.inboxId);
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: 'Team, 1 unread' }));
    const log = await screen.findByRole('log', { name: 'Messages' });
    await waitFor(() => expect(log.textContent).toContain('hello alice'));
    expect(log.textContent).toContain('You');
    expect(worker.callsOf('inbox_markRead')).toEqual([{ conversationId: 'bb' }]);
    fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('button', { name: 'Team' })).toBeTruthy();
  });

  it('shows membership changes as a line of the conversation, not as somebody\'s message', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    const update = worker.receive('bb', '', ALICE.inboxId);
    update.content = {
      type: 'groupUpdated',
      initiatedByInboxId: ALICE.inboxId,
      addedInboxes: ['b0'.repeat(32)],
      removedInboxes: [],
      leftInboxes: [],
      metadataFieldChanges: [{ fieldName: 'group_name', newValue: 'Team' }],
      addedAdminInboxes: [],
      removedAdminInboxes: [],
      addedSuperAdminInboxes: [],
      removedSuperAdminInboxes: [],
    };
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: 'Team' }));
    const line = await screen.findByText('b0b0b0…b0b0 joined; renamed to “Team”');
    expect(line.className).toBe('message-event');
    expect(screen.getByRole('log', { name: 'Messages' }).textContent).not.toContain('You');
  });

  it('sends what is typed in the composer', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) }));
    const field = await screen.findByRole('textbox', { name: 'Message' });
    type(field, 'gm bob');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(screen.getByRole('log', { name: 'Messages' }).textContent).toContain('gm bob'));
    expect(worker.dappCallsOf('xmtp_sendMessage')).toEqual([{ conversationId: 'aa', content: { type: 'text', text: 'gm bob' } }]);
    await waitFor(() => expect((field as HTMLInputElement).value).toBe(''));
  });

  it('shows a new message of the open conversation when the worker pushes it, and marks it read', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) }));
    await opened(worker, 'aa');
    worker.receive('aa', 'are you there?');
    worker.push({ event: 'messages', conversationId: 'aa' });
    worker.push({ event: 'unread', activity: worker.counts() });
    expect(await screen.findByText('are you there?')).toBeTruthy();
    await waitFor(() => expect(worker.callsOf('inbox_markRead')).toHaveLength(2));
    // Pushed counts need no call of their own.
    expect(worker.callsOf('inbox_activity')).toHaveLength(1);
  });

  it("fetches only the open conversation's messages on a push, and another's count from the push (and its preview)", async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: 'Team' }));
    await opened(worker, 'bb');
    const fetched = () => worker.dappCallsOf('xmtp_getMessages') as { conversationId: string }[];
    expect(fetched().map((p) => p.conversationId)).toEqual(['bb']);
    worker.receive('aa', 'elsewhere');
    worker.push({ event: 'messages', conversationId: 'aa' });
    worker.push({ event: 'unread', activity: worker.counts() });
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Conversations, 1 unread' })).toBeTruthy());
    // The other conversation: only the short page its list preview needs, not its messages.
    await waitFor(() => expect(fetched()).toEqual([{ conversationId: 'bb', limit: 50 }, { conversationId: 'aa', limit: 10 }]));
    expect(worker.dappCallsOf('xmtp_listConversations')).toHaveLength(1);
    expect(worker.callsOf('inbox_markRead')).toEqual([{ conversationId: 'bb' }]);
  });

  it('fetches everything again when the window regains focus, but not right after the last time', async () => {
    const worker = unlockedWorker();
    const stores = createStores(createPopupApi(worker.send));
    await stores.session.refresh();
    let now = 0;
    const win = new EventTarget();
    const stop = startInboxSync(stores, worker.connect, win as unknown as Window, () => now);
    win.dispatchEvent(new Event('focus'));
    now = FOCUS_RESYNC_MIN_MS;
    win.dispatchEvent(new Event('focus'));
    win.dispatchEvent(new Event('focus'));
    await waitFor(() => expect(worker.callsOf('grants_list')).toHaveLength(1));
    expect(worker.callsOf('inbox_activity')).toHaveLength(1);
    stop();
    expect(worker.openPorts).toBe(0);
  });

  it('lists a conversation the worker says is new, and one that first shows up in the counts', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    await screen.findByText('No conversations yet. Start one below.');
    worker.addConversation({ id: 'aa', kind: 'dm' });
    worker.push({ event: 'conversations' });
    expect(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) })).toBeTruthy();
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    worker.receive('bb', 'welcome');
    worker.push({ event: 'unread', activity: worker.counts() });
    expect(await screen.findByRole('button', { name: 'Team, 1 unread' })).toBeTruthy();
  });

  it('reconnects when the worker stops, and fetches everything again', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) }));
    await opened(worker, 'aa');
    expect(worker.ports).toHaveLength(1);
    // Stopped: whatever happens now is pushed to nobody.
    worker.stop();
    worker.receive('aa', 'sent while the worker slept');
    await waitFor(() => expect(worker.openPorts).toBe(1));
    expect(worker.ports).toHaveLength(2);
    expect(await screen.findByText('sent while the worker slept')).toBeTruthy();
    expect(worker.callsOf('inbox_activity')).toHaveLength(2);
    // The new port carries pushes again.
    worker.receive('aa', 'and after');
    worker.push({ event: 'messages', conversationId: 'aa' });
    expect(await screen.findByText('and after')).toBeTruthy();
  });

  it('starts a DM by address', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    type(await screen.findByRole('textbox', { name: 'Address' }), BOB_ADDRESS.toUpperCase().replace('0X', '0x'));
    fireEvent.click(screen.getByRole('button', { name: 'Start DM' }));
    expect(await screen.findByRole('log', { name: 'Messages' })).toBeTruthy();
    expect(worker.dappCallsOf('xmtp_createDm')).toEqual([{ identifier: BOB_ADDRESS }]);
  });

  it('refuses an address that is not one, without asking the worker', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    type(await screen.findByRole('textbox', { name: 'Address' }), 'bob.eth');
    fireEvent.click(screen.getByRole('button', { name: 'Start DM' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/0x address/);
    expect(worker.dappCallsOf('xmtp_createDm')).toEqual([]);
  });

  it('creates a group from a name and addresses', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    type(await screen.findByRole('textbox', { name: 'Group name' }), 'Team');
    type(screen.getByRole('textbox', { name: 'Member addresses' }), `${BOB_ADDRESS}, ${WORK.address}\n${BOB_ADDRESS}`);
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }));
    expect(await screen.findByRole('heading', { name: 'Team' })).toBeTruthy();
    expect(worker.dappCallsOf('xmtp_createGroup')).toEqual([{ identifiers: [BOB_ADDRESS, WORK.address], name: 'Team' }]);
  });

  it('blocks a conversation: no composer, no unread count', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm', consentState: 'unknown' });
    worker.receive('aa', 'buy now');
    const { screen } = renderPopup(worker);
    // A stranger's DM is a request, not in the inbox.
    fireEvent.click(await screen.findByRole('button', { name: /^Requests/ }));
    fireEvent.click(await screen.findByRole('button', { name: `${BOB_NAME}, 1 unread` }));
    fireEvent.click(await screen.findByRole('button', { name: 'Block' }));
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Message' })).toBeNull());
    expect(screen.queryByRole('button', { name: 'Block' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Allow' })).toBeTruthy();
    expect(worker.dappCallsOf('xmtp_setConsent')).toEqual([{ conversationId: 'aa', state: 'denied' }]);
    fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('button', { name: `${BOB_NAME}, blocked` })).toBeTruthy();
  });
});

describe('sites with access', () => {
  const site = { origin: 'http://localhost:5173', scope: 'site' as const, inboxId: ALICE.inboxId, address: ALICE.address, grantedAt: 1 };
  const wide = { ...site, origin: 'https://app.example', scope: 'inbox' as const };

  it('shows a site granted access elsewhere when the worker pushes the change', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Sites' }));
    await screen.findByText('No site has access.');
    worker.grants = [site];
    worker.push({ event: 'grants' });
    expect(await screen.findByText('http://localhost:5173')).toBeTruthy();
  });

  it('lists each site with its scope and revokes one', async () => {
    const worker = unlockedWorker();
    worker.grants = [site, wide];
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Sites' }));
    expect(await screen.findByText('http://localhost:5173')).toBeTruthy();
    expect(screen.getByText('This site only')).toBeTruthy();
    expect(screen.getByText('Whole inbox')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke http://localhost:5173' }));
    await waitFor(() => expect(screen.queryByText('http://localhost:5173')).toBeNull());
    expect(worker.callsOf('grants_revoke')).toEqual([{ origin: 'http://localhost:5173' }]);
    expect(screen.getByText('https://app.example')).toBeTruthy();
  });

  it('shares a conversation with a site-scoped site', async () => {
    const worker = unlockedWorker();
    worker.grants = [site, wide];
    worker.addConversation({ id: 'bb', kind: 'group', name: 'Team' });
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('button', { name: 'Team' }));
    const select = (await screen.findByRole('combobox', { name: 'Share with site' })) as HTMLSelectElement;
    // Only site-scoped grants need sharing: an inbox-scoped site sees everything already.
    expect([...select.options].map((o) => o.value)).toEqual(['http://localhost:5173']);
    fireEvent.click(screen.getByRole('button', { name: 'Share' }));
    expect((await screen.findByRole('status')).textContent).toBe('Shared with http://localhost:5173.');
    expect(worker.callsOf('grants_share')).toEqual([{ origin: 'http://localhost:5173', conversationId: 'bb' }]);
  });
});

describe('identities', () => {
  it('shows the active identity and switches to another', async () => {
    const worker = unlockedWorker();
    worker.identities = [ALICE, WORK];
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Identities' }));
    expect(await screen.findByText('(active)', { exact: false })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Use Work' }));
    // Asked first (switchIdentity.test.ts has the connected sites' choice); no site here.
    fireEvent.click(await screen.findByRole('button', { name: 'Switch' }));
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe(WORK.address));
    expect(worker.callsOf('identity_select')).toEqual([{ id: WORK.id, sitesFollow: false }]);
  });

  it('creates another identity with a label', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Identities' }));
    type(await screen.findByRole('textbox', { name: 'Label' }), 'Side project');
    fireEvent.click(screen.getByRole('button', { name: 'Create identity' }));
    expect(await screen.findByRole('button', { name: 'Use Side project' })).toBeTruthy();
    expect(worker.callsOf('identity_create')).toEqual([{ label: 'Side project' }]);
    // Not switched to by itself: the active identity stays, and the popup asks.
    expect(screen.getByTestId('address').textContent).toBe(ALICE.address);
    expect(await screen.findByRole('dialog', { name: 'Switch to Side project now?' })).toBeTruthy();
  });
});

describe('settings', () => {
  it('shows the node URL and auto-lock, and saves a change', async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    const url = (await screen.findByRole('textbox', { name: 'Node URL' })) as HTMLInputElement;
    await waitFor(() => expect(url.value).toBe('http://localhost:5557'));
    const minutes = screen.getByRole('spinbutton', { name: 'Auto-lock (minutes)' }) as HTMLInputElement;
    expect(minutes.value).toBe('15');
    type(minutes, '5');
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(worker.callsOf('settings_set')).toEqual([{ nodeUrl: 'http://localhost:5557', autoLockMinutes: 5, grantedSitesKeepUnlocked: false }]);
  });

  it("turns on 'granted sites' calls keep Parley unlocked', off until then", async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    const url = (await screen.findByRole('textbox', { name: 'Node URL' })) as HTMLInputElement;
    await waitFor(() => expect(url.value).toBe('http://localhost:5557'));
    const keep = screen.getByRole('checkbox', { name: "Granted sites' calls keep Parley unlocked" }) as HTMLInputElement;
    expect(keep.checked).toBe(false);
    fireEvent.click(keep);
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(worker.callsOf('settings_set')).toEqual([{ nodeUrl: 'http://localhost:5557', autoLockMinutes: 15, grantedSitesKeepUnlocked: true }]);
    expect(worker.settings.grantedSitesKeepUnlocked).toBe(true);
  });

  it("shows the worker's refusal", async () => {
    const worker = unlockedWorker();
    const { screen } = renderPopup(worker);
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    const url = await screen.findByRole('textbox', { name: 'Node URL' });
    await waitFor(() => expect((url as HTMLInputElement).value).not.toBe(''));
    type(url, 'ftp://node');
    fireEvent.submit(url.closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toBe('Invalid params. [Rpc.InvalidParams]');
  });
});
