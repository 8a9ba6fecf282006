import { afterEach, describe, expect, it } from 'vitest';
import { startRelay } from '../../src/content/relay';
import type { ProviderInfo } from '../../src/core/rpc';
import { ANNOUNCE_PROVIDER_EVENT, PAGE_CHANNEL, REQUEST_PROVIDER_EVENT } from '../../src/core/rpc';
import { announceProvider, createProvider, ProviderRpcError } from '../../src/inpage/provider';
import { FakeWindow, tick } from '../content/fakeWindow';
import type { FakePort } from '../content/fakePort';
import { portPair } from '../content/fakePort';

const ORIGIN = 'http://localhost:5173';
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Provider + relay on one fake window, with a worker end that answers as `answer` says. */
function page(answer: (frame: { id: number; method: string; params?: unknown }) => unknown) {
  const win = new FakeWindow(ORIGIN);
  const provider = createProvider(win);
  const workers: FakePort[] = [];
  const relay = startRelay(win, {
    connect: () => {
      const [content, worker] = portPair('parley-page', { origin: ORIGIN });
      worker.onMessage.addListener((m) => {
        const frame = m as { id: number; method: string; params?: unknown };
        worker.postMessage({ type: 'response', id: frame.id, ...(answer(frame) as object) });
      });
      workers.push(worker);
      return content;
    },
  });
  stops.push(() => relay.stop());
  return { win, provider, workers };
}

describe('window.xmtp provider', () => {
  it('resolves request() with the worker\'s result', async () => {
    const { provider } = page((f) => ({ result: { echoed: f.method, params: f.params ?? null } }));
    await expect(provider.request({ method: 'xmtp_requestAccess', params: { scope: 'inbox' } })).resolves.toEqual({
      echoed: 'xmtp_requestAccess',
      params: { scope: 'inbox' },
    });
  });

  it('rejects with an EIP-1193 ProviderRpcError carrying code and data', async () => {
    const { provider } = page(() => ({ error: { code: 4100, message: 'No access.', data: { code: 'Rpc.Unauthorized' } } }));
    const error = await provider.request({ method: 'xmtp_getInbox' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRpcError);
    expect(error).toMatchObject({ code: 4100, message: 'No access.', data: { code: 'Rpc.Unauthorized' } });
  });

  it('matches concurrent answers to their requests', async () => {
    const { provider } = page((f) => ({ result: f.params }));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => provider.request({ method: 'xmtp_getMessages', params: { conversationId: 'aa', limit: i + 1 } })),
    );
    expect(answers.map((a) => (a as unknown as { limit: number }).limit)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('rejects params that cannot be cloned instead of hanging', async () => {
    const { provider } = page(() => ({ result: null }));
    const params = { identifier: () => 1 } as unknown as { identifier: string };
    await expect(provider.request({ method: 'xmtp_createDm', params })).rejects.toMatchObject({ code: -32602 });
  });

  it('delivers events to listeners until they are removed', async () => {
    const { win, provider, workers } = page(() => ({ result: null }));
    const seen: unknown[] = [];
    const listener = (data: unknown): void => {
      seen.push(data);
    };
    provider.on('accessChanged', listener);
    await provider.request({ method: 'xmtp_getAccess' });
    workers[0]!.postMessage({ type: 'event', event: 'accessChanged', data: null });
    await tick();
    provider.removeListener('accessChanged', listener);
    workers[0]!.postMessage({ type: 'event', event: 'accessChanged', data: null });
    await tick();
    expect(seen).toEqual([null]);
    expect(win.framesToPage().length).toBeGreaterThan(1);
  });

  it('ignores answers posted by another window', async () => {
    const win = new FakeWindow(ORIGIN);
    const provider = createProvider(win);
    const result = provider.request({ method: 'xmtp_getAccess' });
    win.deliver({ channel: PAGE_CHANNEL, direction: 'toPage', type: 'response', id: 1, result: 'forged' }, ORIGIN, { other: true });
    win.deliver({ channel: PAGE_CHANNEL, direction: 'toPage', type: 'response', id: 1, result: 'real' }, ORIGIN, win);
    await expect(result).resolves.toBe('real');
  });

  it('announces itself at load and again when a dApp asks', () => {
    const win = new FakeWindow(ORIGIN);
    const announced: unknown[] = [];
    win.addEventListener(ANNOUNCE_PROVIDER_EVENT, (e) => announced.push((e as CustomEvent).detail));
    const provider = createProvider(win);
    const info: ProviderInfo = { uuid: '6f1c9b5e-0000-4000-8000-000000000000', name: 'Parley', icon: 'data:,', rdns: 'dev.parley.extension' };
    announceProvider(win, provider, info);
    win.dispatchEvent(new Event(REQUEST_PROVIDER_EVENT));
    expect(announced).toHaveLength(2);
    expect(announced[1]).toEqual({ info, provider });
    expect(Object.isFrozen(announced[0])).toBe(true);
  });
});
