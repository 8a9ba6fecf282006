import type { ReadonlySignal } from '@preact/signals';
import { computed, signal } from '@preact/signals';
import type { IdentitySummary, VaultStatus } from '../../../core/rpc';
import { isParleyError } from '../../../core/errors';
import type { PopupApi } from '../popupApi';
import { messageOf } from '../popupApi';
import { busyAction } from './busyAction';

/** The vault's state and the identities in it; the popup routes on it. */
export function createSessionStore(api: PopupApi, now: () => number = Date.now) {
  const status = signal<VaultStatus | null>(null);
  const error = signal('');
  const busy = signal(false);
  /** After too many wrong passwords: when (ms since the epoch) the worker checks one again; 0 when it does now. */
  const unlockAllowedAt = signal(0);
  const active: ReadonlySignal<IdentitySummary | undefined> = computed(() => {
    const s = status.value;
    return s?.identities.find((i) => i.id === s.activeIdentityId);
  });

  /** An identity the user may switch to: chosen with Use, or just created or imported (not switched to by the worker). */
  const proposedSwitch = signal<{ to: IdentitySummary; added: boolean } | null>(null);

  const apply = (next: VaultStatus): void => {
    status.value = next;
  };

  /** After create or import: the new identity, when it is not the active one, is offered as a switch. */
  const added = async (summary: IdentitySummary): Promise<void> => {
    const next = await api.ui('vault_status');
    apply(next);
    proposedSwitch.value = next.activeIdentityId === summary.id ? null : { to: summary, added: true };
  };

  const act = busyAction(error, busy);

  return {
    status,
    active,
    error,
    busy,
    refresh: () => act(async () => apply(await api.ui('vault_status'))),
    unlockAllowedAt,
    unlock: (password: string) =>
      busyAction(error, busy, (e) => {
        if (isParleyError(e, 'Vault.Throttled') && e.retryAfterMs !== undefined) unlockAllowedAt.value = now() + e.retryAfterMs;
        else error.value = messageOf(e);
      })(async () => {
        apply(await api.ui('vault_unlock', { password }));
        unlockAllowedAt.value = 0;
      }),
    lock: () => act(async () => apply(await api.ui('vault_lock'))),
    proposedSwitch,
    /** Asks before switching (SwitchIdentity.tsx): the connected sites follow or stay. */
    proposeSwitch: (to: IdentitySummary) => {
      proposedSwitch.value = { to, added: false };
    },
    dismissSwitch: () => {
      proposedSwitch.value = null;
    },
    select: (id: string, sitesFollow = false) =>
      act(async () => {
        apply(await api.ui('identity_select', { id, sitesFollow }));
        proposedSwitch.value = null;
      }),
    createIdentity: (label?: string) => act(async () => added(await api.ui('identity_create', label ? { label } : {}))),
    importIdentity: (privateKey: string, label?: string) =>
      act(async () => added(await api.ui('identity_import', label ? { privateKey, label } : { privateKey }))),
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
