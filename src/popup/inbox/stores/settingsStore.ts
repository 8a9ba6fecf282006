import { signal } from '@preact/signals';
import type { Settings } from '../../../core/rpc';
import type { PopupApi } from '../popupApi';
import { messageOf } from '../popupApi';

/** Which node the inbox uses and when it locks itself. */
export function createSettingsStore(api: PopupApi) {
  const settings = signal<Settings | null>(null);
  const error = signal('');
  const saved = signal(false);

  return {
    settings,
    error,
    saved,
    load: async (): Promise<void> => {
      try {
        settings.value = await api.ui('settings_get');
      } catch (e) {
        error.value = messageOf(e);
      }
    },
    save: async (change: Partial<Settings>): Promise<boolean> => {
      error.value = '';
      saved.value = false;
      try {
        settings.value = await api.ui('settings_set', change);
        saved.value = true;
        return true;
      } catch (e) {
        error.value = messageOf(e);
        return false;
      }
    },
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
