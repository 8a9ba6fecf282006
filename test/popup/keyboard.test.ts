// @vitest-environment happy-dom
import { fireEvent as domEvent, waitFor } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { BOB_NAME, FakeWorker } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

/* Keyboard use of the popup: focus moves into an opened conversation, Enter sends, Escape backs out. */

afterEach(unmountAll);

function unlockedWorker(): FakeWorker {
  const worker = new FakeWorker();
  worker.state = 'unlocked';
  return worker;
}

describe('popup keyboard use', () => {
  it('opening a conversation puts focus in its composer, and Enter there sends', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    const item = await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) });
    act(() => void domEvent.click(item));
    const field = (await screen.findByRole('textbox', { name: 'Message' })) as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(field));
    act(() => void domEvent.input(field, { target: { value: 'sent with Enter' } }));
    // Enter in a form's only text field submits it: the browser's implicit submission.
    act(() => void domEvent.submit(field.form!));
    await waitFor(() => expect(worker.dappCallsOf('xmtp_sendMessage')).toEqual([{ conversationId: 'aa', content: { type: 'text', text: 'sent with Enter' } }]));
  });

  it('Escape in a conversation goes back to the list', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    const item = await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) });
    act(() => void domEvent.click(item));
    const field = await screen.findByRole('textbox', { name: 'Message' });
    act(() => void domEvent.keyDown(field, { key: 'Escape' }));
    expect(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) })).toBeTruthy();
    expect(screen.queryByRole('log', { name: 'Messages' })).toBeNull();
  });

  it('other keys in a conversation leave it open', async () => {
    const worker = unlockedWorker();
    worker.addConversation({ id: 'aa', kind: 'dm' });
    const { screen } = renderPopup(worker);
    const item = await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) });
    act(() => void domEvent.click(item));
    const field = await screen.findByRole('textbox', { name: 'Message' });
    act(() => void domEvent.keyDown(field, { key: 'Enter' }));
    expect(screen.getByRole('log', { name: 'Messages' })).toBeTruthy();
  });
});
