// Deep imports: this script runs in every page, so it takes only the framing it needs.
import { Eip1193Code, toRpcError } from '../core/rpc/eip1193';
import type { DownFrame, RequestFrame, RequestId } from '../core/rpc/frames';
import { isPageEnvelope, PAGE_CHANNEL, parseDownFrame, parseRequestFrame, requestIdOf } from '../core/rpc/frames';
import type { RpcErrorPayload } from '../core/rpc/schema';

/** The part of chrome.runtime.Port the relay uses. */
export interface RelayPort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

/** What the relay needs of `window`; tests pass a stand-in. */
export interface RelayWindow {
  location: { origin: string };
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: 'message', listener: (event: Event) => void): void;
  removeEventListener(type: 'message', listener: (event: Event) => void): void;
}

export interface RelayOptions {
  /** Opens a runtime Port to the worker; throws once the extension is gone (reloaded, removed). */
  connect: () => RelayPort;
  /** Waits before re-opening a Port the worker closed (it stops when idle); ms. */
  reconnectDelayMs?: number;
}

/**
 * The content script: relays, nothing more (DESIGN §2, §5). It takes window messages only
 * from its own window, with the page's own origin, Parley's channel tag and direction, and
 * a frame that is plain JSON within budget; the worker learns the origin from the Port's
 * sender, never from here.
 */
export function startRelay(win: RelayWindow, options: RelayOptions): { stop(): void } {
  const origin = win.location.origin;
  const inFlight = new Set<RequestId>();
  let port: RelayPort | null = null;
  let used = false;
  let gone = false;
  let stopped = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  const toPage = (frame: DownFrame): void => {
    win.postMessage({ channel: PAGE_CHANNEL, direction: 'toPage', ...frame }, origin);
  };
  const fail = (id: RequestId, error: RpcErrorPayload): void => toPage({ type: 'response', id, error });

  const openPort = (): RelayPort => {
    if (port) return port;
    const p = options.connect();
    p.onMessage.addListener((message) => {
      let frame: DownFrame;
      try {
        frame = parseDownFrame(message);
      } catch {
        return;
      }
      if (frame.type === 'response') {
        if (!inFlight.delete(frame.id)) return;
      }
      toPage(frame);
    });
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = null;
      // The worker stopped (idle, or killed) before answering: the page must not wait forever.
      for (const id of inFlight) {
        fail(id, { code: Eip1193Code.Disconnected, message: 'The extension restarted before answering; retry.' });
      }
      inFlight.clear();
      // A page that uses Parley keeps a Port open, so events keep flowing after the worker restarts.
      if (used && !stopped) {
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(() => {
          if (!port && !stopped && !gone) tryOpen();
        }, options.reconnectDelayMs ?? 100);
      }
    });
    port = p;
    return p;
  };

  const tryOpen = (): RelayPort | null => {
    try {
      return openPort();
    } catch {
      // The extension was reloaded or removed: this content script can never reach it again.
      if (!gone) {
        gone = true;
        toPage({ type: 'event', event: 'disconnect', data: { code: Eip1193Code.Disconnected, message: 'The extension is gone.' } });
      }
      return null;
    }
  };

  const onWindowMessage = (e: Event): void => {
    const event = e as MessageEvent;
    if (event.source !== (win as unknown) || event.origin !== origin) return;
    if (!isPageEnvelope(event.data, 'toExtension')) return;
    let frame: RequestFrame;
    try {
      frame = parseRequestFrame(event.data);
    } catch (e) {
      const id = requestIdOf(event.data);
      if (id !== undefined) fail(id, toRpcError(e));
      return;
    }
    used = true;
    const p = tryOpen();
    if (!p) {
      fail(frame.id, { code: Eip1193Code.Disconnected, message: 'The extension is gone.' });
      return;
    }
    inFlight.add(frame.id);
    // Only the frame's own fields go on: the channel tag and direction stay in the page.
    const out: RequestFrame = { type: 'request', id: frame.id, method: frame.method };
    if (frame.params !== undefined) out.params = frame.params;
    try {
      p.postMessage(out);
    } catch {
      inFlight.delete(frame.id);
      fail(frame.id, { code: Eip1193Code.Disconnected, message: 'The extension did not take the request; retry.' });
    }
  };

  win.addEventListener('message', onWindowMessage);
  return {
    stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      win.removeEventListener('message', onWindowMessage);
      port?.disconnect();
      port = null;
    },
  };
}
