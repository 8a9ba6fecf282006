// @vitest-environment happy-dom
import { fireEvent, waitFor } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeWorker } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

afterEach(unmountAll);

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

describe('peer text in the popup', () => {
  it('shows a group name and messages without their bidi overrides, each isolated in <bdi>', async () => {
    const worker = new FakeWorker();
    worker.state = 'unlocked';
    // "invoice" U+202E "fdp.exe" would read as "invoiceexe.pdf"; the message would flip the line after it.
    worker.addConversation({ id: 'bb', kind: 'group', name: 'invoice\u202Efdp.exe' });
    worker.receive('bb', '\u2067pay now\u2069\u200F');
    const { screen, container } = renderPopup(worker);

    const item = await screen.findByRole('button', { name: 'invoicefdp.exe, 1 unread' });
    expect(item.querySelector('.conversation-title bdi')?.textContent).toBe('invoicefdp.exe');
    act(() => void fireEvent.click(item));

    const log = await screen.findByRole('log', { name: 'Messages' });
    await waitFor(() => expect(log.textContent).toContain('pay now'));
    expect(log.querySelector('.message-text bdi')?.textContent).toBe('pay now');
    expect(container.querySelector('.conversation-bar h2 bdi')?.textContent).toBe('invoicefdp.exe');
    expect(BIDI.test(container.textContent ?? '')).toBe(false);
  });
});
