// @vitest-environment happy-dom
import { fireEvent, waitFor, within } from '@testing-library/dom';
import { h, render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/core/errors';
import type { ApprovalView, IdentitySummary, UiCall } from '../../src/core/rpc';
import { Approval, APPROVE_DELAY_MS, SCOPE_LINES } from '../../src/popup/approval/Approval';
import { ALICE, WORK } from './fakeWorker';

const APPROVAL_ID = 'a1'.repeat(8);
const ORIGIN = 'http://localhost:5173';

/** The worker's side of the approval window: one pending request, an active identity the test may switch. */
function fakeWorker() {
  const state = { active: ALICE as IdentitySummary, decided: [] as unknown[], closed: 0 };
  const call = (async (method: string, params?: Record<string, unknown>) => {
    switch (method) {
      case 'vault_status':
        return { state: 'unlocked', identities: [ALICE, WORK], activeIdentityId: state.active.id };
      case 'approval_get':
        return { id: APPROVAL_ID, kind: 'access', origin: ORIGIN, requestedScope: 'site', identity: state.active } satisfies ApprovalView;
      case 'approval_decide':
        if (params?.['approved'] === true && params['identityId'] !== state.active.id) {
          throw new ParleyError('Vault.IdentityChanged', `Parley switched to ${state.active.label} while this window was open; check the identity and approve again.`);
        }
        state.decided.push(params);
        return true;
      default:
        throw new ParleyError('Rpc.UnsupportedMethod', method);
    }
  }) as UiCall;
  return { state, call };
}

const mounted: HTMLElement[] = [];
afterEach(() => {
  for (const c of mounted.splice(0)) render(null, c);
});

async function open(worker: ReturnType<typeof fakeWorker>) {
  const container = document.createElement('div');
  document.body.append(container);
  mounted.push(container);
  render(h(Approval, { call: worker.call, approvalId: APPROVAL_ID, close: () => void worker.state.closed++ }), container);
  const screen = within(container);
  await screen.findByRole('heading', { name: 'Connect to Parley?' });
  return screen;
}

/** Approve takes clicks a moment after the window is in front (the focus guard): off at first, then on. */
async function armed(screen: ReturnType<typeof within>): Promise<HTMLButtonElement> {
  const approve = () => screen.getByRole('button', { name: 'Approve' }) as HTMLButtonElement;
  expect(approve().disabled).toBe(true);
  // Real time: Preact's act() would hold the timer's render back (no act in this file).
  await waitFor(() => expect(approve().disabled).toBe(false), { timeout: APPROVE_DELAY_MS * 3 });
  return approve();
}

describe('the approval window', () => {
  it('names the identity the site will use, with its full address, and one line per scope saying what the site gets', async () => {
    const worker = fakeWorker();
    const screen = await open(worker);
    const badge = within(screen.getByRole('group', { name: 'Identity this site will use' }));
    expect(badge.getByTestId('badge-label').textContent).toBe(ALICE.label);
    expect(badge.getByTestId('badge-address').textContent).toBe(ALICE.address);
    expect(badge.getByRole('button', { name: `Copy address of ${ALICE.label}` })).toBeTruthy();
    const scopes = within(screen.getByRole('group', { name: 'What this site gets' })).getAllByRole('radio') as HTMLInputElement[];
    expect(scopes.map((r) => r.value)).toEqual(['site', 'inbox']);
    expect(scopes.map((r) => r.closest('label')?.textContent)).toEqual([SCOPE_LINES.site, SCOPE_LINES.inbox]);
    expect(scopes[0]!.checked).toBe(true);
  });

  it('approves for the identity it showed', async () => {
    const worker = fakeWorker();
    const screen = await open(worker);
    fireEvent.click(screen.getByRole('radio', { name: SCOPE_LINES.inbox }));
    fireEvent.click(await armed(screen));
    await waitFor(() => expect(worker.state.closed).toBe(1));
    expect(worker.state.decided).toEqual([{ approvalId: APPROVAL_ID, approved: true, scope: 'inbox', identityId: ALICE.id }]);
  });

  it('when the identity was switched while open, Approve fails, the window says so and shows the new one, and the next Approve grants that one', async () => {
    const worker = fakeWorker();
    const screen = await open(worker);
    const approve = await armed(screen);
    worker.state.active = WORK;
    fireEvent.click(approve);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Parley switched to Work while this window was open');
    expect(worker.state.closed).toBe(0);
    expect(worker.state.decided).toEqual([]);
    const badge = within(screen.getByRole('group', { name: 'Identity this site will use' }));
    await waitFor(() => expect(badge.getByTestId('badge-address').textContent).toBe(WORK.address));
    // Disarmed again (armed() checks it), so the click that failed cannot be followed by a blind second one.
    fireEvent.click(await armed(screen));
    await waitFor(() => expect(worker.state.closed).toBe(1));
    expect(worker.state.decided).toEqual([{ approvalId: APPROVAL_ID, approved: true, scope: 'site', identityId: WORK.id }]);
  });

  it('Reject needs no identity check and closes', async () => {
    const worker = fakeWorker();
    const screen = await open(worker);
    worker.state.active = WORK;
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(worker.state.closed).toBe(1));
    expect(worker.state.decided).toEqual([{ approvalId: APPROVAL_ID, approved: false, scope: 'site', identityId: ALICE.id }]);
  });
});
