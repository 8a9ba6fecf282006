import type { ReadonlySignal } from '@preact/signals';
import { computed, signal } from '@preact/signals';
import type { IdentitySummary, VaultStatus } from '../../../core/rpc';
import type { PopupApi } from '../popupApi';
import { busyAction } from './busyAction';

/** The vault's state and the identities in it; the popup routes on it. */
export function createSessionStore(api: PopupApi) {
  const status = signal<VaultStatus | null>(null);
  const error = signal('');
  const busy = signal(false);
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
    unlock: (password: string) => act(async () => apply(await api.ui('vault_unlock', { password }))),
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
