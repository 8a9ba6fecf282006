import type { Signal } from '@preact/signals';
import { messageOf } from '../popupApi';

/**
 * Runs a store's worker call with the busy flag up and the last error cleared; a failure goes to
 * `failed` (by default the error line) and the call resolves false, so buttons can await it.
 */
export function busyAction(
  error: Signal<string>,
  busy: Signal<boolean>,
  failed: (e: unknown) => void = (e) => {
    error.value = messageOf(e);
  },
): (work: () => Promise<void>) => Promise<boolean> {
  return async (work) => {
    error.value = '';
    busy.value = true;
    try {
      await work();
      return true;
    } catch (e) {
      failed(e);
      return false;
    } finally {
      busy.value = false;
    }
  };
}
