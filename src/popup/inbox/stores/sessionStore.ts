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

  const apply = (next: VaultStatus): void => {
    status.value = next;
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
    select: (id: string) => act(async () => apply(await api.ui('identity_select', { id }))),
    createIdentity: (label?: string) =>
      act(async () => {
        await api.ui('identity_create', label ? { label } : {});
        apply(await api.ui('vault_status'));
      }),
    importIdentity: (privateKey: string, label?: string) =>
      act(async () => {
        await api.ui('identity_import', label ? { privateKey, label } : { privateKey });
        apply(await api.ui('vault_status'));
      }),
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
