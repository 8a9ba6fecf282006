import { signal } from '@preact/signals';
import type { Access } from '../../../core/rpc';
import type { PopupApi } from '../popupApi';
import { messageOf } from '../popupApi';

/** The sites with access (grants), revocation and sharing a conversation with a site. */
export function createSitesStore(api: PopupApi) {
  const grants = signal<Access[]>([]);
  const error = signal('');
  const notice = signal('');

  const act = async (work: () => Promise<void>): Promise<boolean> => {
    error.value = '';
    notice.value = '';
    try {
      await work();
      return true;
    } catch (e) {
      error.value = messageOf(e);
      return false;
    }
  };

  return {
    grants,
    error,
    notice,
    refresh: () =>
      act(async () => {
        grants.value = await api.ui('grants_list');
      }),
    revoke: (origin: string) =>
      act(async () => {
        await api.ui('grants_revoke', { origin });
        grants.value = await api.ui('grants_list');
      }),
    share: (origin: string, conversationId: string) =>
      act(async () => {
        await api.ui('grants_share', { origin, conversationId });
        notice.value = `Shared with ${origin}.`;
      }),
  };
}

export type SitesStore = ReturnType<typeof createSitesStore>;
