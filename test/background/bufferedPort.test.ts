import { describe, expect, it } from 'vitest';
import { bufferedPort } from '../../src/background/bufferedPort';
import { tick } from '../content/fakeWindow';
import { portPair } from '../content/fakePort';

describe('buffered port', () => {
  it('keeps the messages that arrive before the worker is ready, in order', async () => {
    const [content, worker] = portPair('parley-page', { id: 'x' });
    const held = bufferedPort(worker as unknown as chrome.runtime.Port);
    content.postMessage(1);
    content.postMessage(2);
    await tick();
    const got: unknown[] = [];
    held.onMessage.addListener((m) => got.push(m));
    content.postMessage(3);
    await tick();
    expect(got).toEqual([1, 2, 3]);
  });

  it('reports a disconnect that happened before the worker was ready', async () => {
    const [content, worker] = portPair('parley-page', { id: 'x' });
    const held = bufferedPort(worker as unknown as chrome.runtime.Port);
    content.disconnect();
    await tick();
    let gone = false;
    held.onDisconnect.addListener(() => (gone = true));
    expect(gone).toBe(true);
  });

  it('tells every disconnect listener, not only the last one added (the hub and the site tabs both listen)', async () => {
    const [content, worker] = portPair('parley-page', { id: 'x' });
    const held = bufferedPort(worker as unknown as chrome.runtime.Port);
    const heard: string[] = [];
    held.onDisconnect.addListener(() => heard.push('hub'));
    held.onDisconnect.addListener(() => heard.push('tabs'));
    content.disconnect();
    await tick();
    expect(heard).toEqual(['hub', 'tabs']);
  });
});
