// @vitest-environment happy-dom
import { fireEvent as domEvent } from '@testing-library/dom';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeWorker } from './fakeWorker';
import { renderPopup, unmountAll } from './renderPopup';

afterEach(unmountAll);

const BOB = 'b0'.repeat(32);

function click(element: Element): void {
  act(() => void domEvent.click(element));
}

function withGroup(): FakeWorker {
  const worker = new FakeWorker();
  worker.state = 'unlocked';
  worker.addConversation({ id: 'ee', kind: 'group', name: 'crew', memberInboxIds: [BOB] });
  return worker;
}

describe('the group settings screen', () => {
  it('shows the preset and roles, makes a member an admin and changes a policy through the worker', async () => {
    const worker = withGroup();
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: /crew/ }));
    click(await screen.findByText('Group settings'));
    expect(await screen.findByText('All members (default)')).toBeTruthy();
    click(screen.getByRole('button', { name: 'Make admin' }));
    expect(await screen.findByRole('button', { name: 'Remove admin' })).toBeTruthy();
    expect(worker.groupRoles.get('ee')?.adminInboxIds).toEqual([BOB]);

    const rename = screen.getByRole('combobox', { name: 'Rename the group' }) as HTMLSelectElement;
    act(() => void domEvent.change(rename, { target: { value: 'superAdmin' } }));
    expect(await screen.findByText('Custom')).toBeTruthy();
    expect(worker.dappCallsOf('xmtp_updatePermission')).toEqual([{ conversationId: 'ee', update: 'updateMetadata', option: 'superAdmin', field: 'group_name' }]);
  });

  it('shows the worker’s permission refusal', async () => {
    const worker = withGroup();
    worker.dappFailures.set('xmtp_addAdmin', { code: 'Group.PermissionDenied', message: 'This group’s permissions do not let you make admins.' });
    const { screen } = renderPopup(worker);
    click(await screen.findByRole('button', { name: /crew/ }));
    click(await screen.findByText('Group settings'));
    click(await screen.findByRole('button', { name: 'Make admin' }));
    expect((await screen.findByRole('alert')).textContent).toContain('do not let you make admins');
    expect(worker.groupRoles.get('ee')?.adminInboxIds).toEqual([]);
  });
});
