import { afterEach, describe, expect, it } from 'vitest';
import type { RelayPort } from '../../src/content/relay';
import { startRelay } from '../../src/content/relay';
import { PAGE_CHANNEL } from '../../src/core/rpc';
import { FakeWindow, tick, until } from './fakeWindow';
import type { FakePort } from './fakePort';
import { portPair } from './fakePort';

const ORIGIN = 'https://dapp.test';

function request(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { channel: PAGE_CHANNEL, direction: 'toExtension', type: 'request', id, method: 'xmtp_getAccess', ...extra };
}

function setup(options: { connect?: () => RelayPort } = {}) {
  const win = new FakeWindow(ORIGIN);
  const workerEnds: FakePort[] = [];
  let connects = 0;
  const relay = startRelay(win, {
    reconnectDelayMs: 1,
    connect:
      options.connect ??
      (() => {
        connects++;
        const [content, worker] = portPair('parley-page', { origin: ORIGIN });
        workerEnds.push(worker);
        return content;
      }),
  });
  stops.push(() => relay.stop());
  return { win, workerEnds, connects: () => connects };
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function received(port: FakePort | undefined): unknown[] {
  const got: unknown[] = [];
  port?.onMessage.addListener((m) => got.push(m));
  return got;
}

describe('content-script relay', () => {
  it('forwards a request from its own window to the worker without the page envelope', async () => {
    const { win, workerEnds } = setup();
    win.postMessage(request(1, { params: { scope: 'site' } }), ORIGIN);
    win.postMessage(request(2), ORIGIN);
    await until(() => workerEnds.length === 1);
    // What the relay posted on its end of the port, whenever it got round to it (the port
    // delivers asynchronously, so a listener attached now could miss the first message).
    const posted = workerEnds[0]!.other!.sent;
    await until(() => posted.length === 2);
    expect(posted).toEqual([
      { type: 'request', id: 1, method: 'xmtp_getAccess', params: { scope: 'site' } },
      { type: 'request', id: 2, method: 'xmtp_getAccess' },
    ]);
  });

  it('ignores messages from another window or frame, even with the right tag and origin', async () => {
    const { win, workerEnds } = setup();
    win.deliver(request(1), ORIGIN, { some: 'iframe' });
    win.deliver(request(2), ORIGIN, null);
    await tick();
    expect(workerEnds).toHaveLength(0);
  });

  it('ignores messages whose origin is not the page origin', async () => {
    const { win, workerEnds } = setup();
    win.deliver(request(1), 'https://evil.test', win);
    await tick();
    expect(workerEnds).toHaveLength(0);
  });

  it('ignores messages without the channel tag or going the other way', async () => {
    const { win, workerEnds } = setup();
    win.postMessage({ ...request(1), channel: 'other' }, ORIGIN);
    win.postMessage({ ...request(2), direction: 'toPage' }, ORIGIN);
    win.postMessage('xmtp_getAccess', ORIGIN);
    await tick();
    expect(workerEnds).toHaveLength(0);
  });

  it('answers an oversized request with -32602 without opening a Port', async () => {
    const { win, workerEnds } = setup();
    win.postMessage(request(9, { params: { text: 'x'.repeat(3 * 1024 * 1024) } }), ORIGIN);
    await until(() => win.framesToPage().length > 0);
    expect(workerEnds).toHaveLength(0);
    expect(win.framesToPage()).toEqual([
      expect.objectContaining({ type: 'response', id: 9, error: expect.objectContaining({ code: -32602 }) }),
    ]);
  });

  it('passes the worker\'s answers and events to the page, and drops answers nobody asked for', async () => {
    const { win, workerEnds } = setup();
    win.postMessage(request(1), ORIGIN);
    await tick();
    const worker = workerEnds[0]!;
    worker.postMessage({ type: 'response', id: 1, result: null });
    worker.postMessage({ type: 'response', id: 77, result: 'unasked' });
    worker.postMessage({ type: 'event', event: 'accessChanged', data: null });
    await until(() => win.framesToPage().length >= 2);
    await tick();
    expect(win.framesToPage()).toEqual([
      { channel: PAGE_CHANNEL, direction: 'toPage', type: 'response', id: 1, result: null },
      { channel: PAGE_CHANNEL, direction: 'toPage', type: 'event', event: 'accessChanged', data: null },
    ]);
  });

  it('fails in-flight requests with 4900 when the worker goes away, then reconnects', async () => {
    const { win, workerEnds, connects } = setup();
    win.postMessage(request(1), ORIGIN);
    await tick();
    workerEnds[0]!.disconnect();
    await until(() => connects() === 2 && win.framesToPage().length > 0);
    expect(win.framesToPage()).toEqual([expect.objectContaining({ id: 1, error: expect.objectContaining({ code: 4900 }) })]);
    expect(connects()).toBe(2);
    const got = received(workerEnds[1]);
    win.postMessage(request(2), ORIGIN);
    await until(() => got.length > 0);
    expect(got).toEqual([{ type: 'request', id: 2, method: 'xmtp_getAccess' }]);
  });

  it('tells the page once that the extension is gone when it can no longer connect', async () => {
    const { win } = setup({
      connect: () => {
        throw new Error('Extension context invalidated.');
      },
    });
    win.postMessage(request(1), ORIGIN);
    win.postMessage(request(2), ORIGIN);
    await until(() => win.framesToPage().length >= 3);
    const frames = win.framesToPage();
    expect(frames.filter((f) => (f as { event?: string }).event === 'disconnect')).toHaveLength(1);
    expect(frames.filter((f) => (f as { error?: { code: number } }).error?.code === 4900)).toHaveLength(2);
  });
});
