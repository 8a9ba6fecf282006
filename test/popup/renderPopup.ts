import { within } from '@testing-library/dom';
import { h, render } from 'preact';
import { App } from '../../src/popup/inbox/App';
import { createPopupApi } from '../../src/popup/inbox/popupApi';
import { createStores } from '../../src/popup/inbox/stores/stores';
import type { FakeWorker } from './fakeWorker';

const mounted: HTMLElement[] = [];

/** The popup over a fake worker, its event port included (tests push with `worker.push`). */
export function renderPopup(worker: FakeWorker) {
  const container = document.createElement('div');
  document.body.append(container);
  mounted.push(container);
  const stores = createStores(createPopupApi(worker.send, worker.connect));
  render(h(App, { stores }), container);
  return { container, stores, screen: within(container) };
}

export function unmountAll(): void {
  for (const container of mounted.splice(0)) {
    render(null, container);
    container.remove();
  }
}
