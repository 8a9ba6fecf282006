// @vitest-environment happy-dom
import { fireEvent as domEvent, waitFor } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { BOB_NAME, FakeWorker } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

afterEach(unmountAll);

function click(element: HTMLElement): void {
  act(() => void domEvent.click(element));
}

function withDm(): FakeWorker {
  const worker = new FakeWorker();
  worker.state = 'unlocked';
  worker.addConversation({ id: 'aa', kind: 'dm' });
  return worker;
}

describe("the conversation header's mute toggle", () => {
  it('mutes the open conversation in the worker, shows it muted, and unmutes it', async () => {
    const worker = withDm();
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) }));
    const mute = (await screen.findByRole('button', { name: 'Mute' })) as HTMLButtonElement;
    // Enabled once the stored state is read.
    await waitFor(() => expect(mute.disabled).toBe(false));
    click(mute);
    await screen.findByRole('button', { name: 'Unmute' });
    expect([...worker.muted]).toEqual(['aa']);
    click(screen.getByRole('button', { name: 'Unmute' }));
    await screen.findByRole('button', { name: 'Mute' });
    expect(worker.muted.size).toBe(0);
  });

  it('opens showing what the worker has stored', async () => {
    const worker = withDm();
    worker.muted.add('aa');
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: new RegExp(`^${BOB_NAME}`) }));
    expect(await screen.findByRole('button', { name: 'Unmute' })).toBeTruthy();
  });
});
