// @vitest-environment happy-dom
import { fireEvent as domEvent, waitFor, within } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Access } from '../../src/core/rpc';
import { ALICE, FakeWorker, IMPORTED_ADDRESS, WORK } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

afterEach(unmountAll);

const DAPP = 'http://localhost:5173';
const OTHER = 'https://other.example';

const click = (el: Element) => act(() => void domEvent.click(el));
const type = (el: Element, value: string) => act(() => void domEvent.input(el, { target: { value } }));

function grant(origin: string, identity: { inboxId: string; address: string }): Access {
  return { origin, scope: 'site', inboxId: identity.inboxId, address: identity.address, grantedAt: 1 };
}

/** Unlocked, Alice active, Work beside her, DAPP connected to Alice and OTHER to Work; the Identities tab open. */
async function identitiesTab() {
  const worker = new FakeWorker();
  worker.state = 'unlocked';
  worker.identities = [ALICE, WORK];
  worker.grants = [grant(DAPP, ALICE), grant(OTHER, WORK)];
  const rendered = renderPopup(worker);
  click(await rendered.screen.findByRole('tab', { name: 'Identities' }));
  return { worker, ...rendered };
}

describe('switching identity in the popup', () => {
  it("asks first, naming the identity and the sites connected to the current one; 'sites follow' moves them", async () => {
    const { worker, screen } = await identitiesTab();
    click(await screen.findByRole('button', { name: 'Use Work' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Switch to Work?' }));
    expect(dialog.getByTestId('badge-address').textContent).toBe(WORK.address);
    // Only Alice's site is listed: OTHER is on Work already.
    const listed = await dialog.findByRole('list', { name: 'Sites connected to Alice' });
    expect(within(listed).getAllByRole('listitem').map((li) => li.textContent)).toEqual([DAPP]);
    expect(worker.callsOf('identity_select')).toEqual([]);

    click(dialog.getByRole('button', { name: 'Switch, sites follow' }));
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe(WORK.address));
    expect(worker.callsOf('identity_select')).toEqual([{ id: WORK.id, sitesFollow: true }]);
    expect(screen.queryByRole('dialog')).toBeNull();

    click(screen.getByRole('tab', { name: 'Sites' }));
    await waitFor(() => expect(screen.getAllByTestId('site-identity').map((e) => e.textContent)).toEqual(['Connected to Work', 'Connected to Work']));
  });

  it("'sites stay' leaves them on the old identity, and the Sites screen says so", async () => {
    const { worker, screen } = await identitiesTab();
    click(await screen.findByRole('button', { name: 'Use Work' }));
    click(await screen.findByRole('button', { name: 'Switch, sites stay with Alice' }));
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe(WORK.address));
    expect(worker.callsOf('identity_select')).toEqual([{ id: WORK.id, sitesFollow: false }]);

    click(screen.getByRole('tab', { name: 'Sites' }));
    await waitFor(() =>
      expect(screen.getAllByTestId('site-identity').map((e) => e.textContent)).toEqual([
        'Connected to Alice (not the active identity: no access until you switch back)',
        'Connected to Work',
      ]),
    );
  });

  it('Not now (or Escape) switches nothing', async () => {
    const { worker, screen } = await identitiesTab();
    click(await screen.findByRole('button', { name: 'Use Work' }));
    click(await screen.findByRole('button', { name: 'Not now' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    click(screen.getByRole('button', { name: 'Use Work' }));
    const dialog = await screen.findByRole('dialog');
    act(() => void domEvent.keyDown(dialog, { key: 'Escape' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(worker.callsOf('identity_select')).toEqual([]);
    expect(screen.getByTestId('address').textContent).toBe(ALICE.address);
  });

  it('asks only whether to switch when no site is connected to the current identity', async () => {
    const { worker, screen } = await identitiesTab();
    worker.grants = [grant(OTHER, WORK)];
    click(await screen.findByRole('button', { name: 'Use Work' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Switch to Work?' }));
    expect(await dialog.findByText('No site is connected to Alice.')).toBeTruthy();
    expect(dialog.queryByRole('button', { name: 'Switch, sites follow' })).toBeNull();
    click(dialog.getByRole('button', { name: 'Switch' }));
    await waitFor(() => expect(worker.callsOf('identity_select')).toEqual([{ id: WORK.id, sitesFollow: false }]));
  });

  it('after importing a key, offers "Switch to … now?" instead of switching silently', async () => {
    const { worker, screen } = await identitiesTab();
    type(await screen.findByRole('textbox', { name: 'Label' }), 'Cold wallet');
    type(screen.getByLabelText('Private key'), '11'.repeat(32));
    click(screen.getByRole('button', { name: 'Import identity' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Switch to Cold wallet now?' }));
    expect(dialog.getByTestId('badge-address').textContent).toBe(IMPORTED_ADDRESS);
    expect(screen.getByTestId('address').textContent).toBe(ALICE.address);
    click(await dialog.findByRole('button', { name: 'Switch, sites follow' }));
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe(IMPORTED_ADDRESS));
    expect(worker.grants.find((g) => g.origin === DAPP)?.address).toBe(IMPORTED_ADDRESS);
  });
});
