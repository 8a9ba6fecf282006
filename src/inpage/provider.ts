// Deep imports: this file is injected into every page, so it takes only the framing it needs.
import type { ProviderInfo } from '../core/rpc/discovery';
import { ANNOUNCE_PROVIDER_EVENT, REQUEST_PROVIDER_EVENT } from '../core/rpc/discovery';
import type { RequestId } from '../core/rpc/frames';
import { isPageEnvelope, PAGE_CHANNEL, parseDownFrame } from '../core/rpc/frames';
import type { RpcErrorPayload, RpcEventName, RpcEvents, RpcMethod, RpcRequest, RpcResult } from '../core/rpc/schema';

/** EIP-1193 ProviderRpcError: what `request()` rejects with. */
export class ProviderRpcError extends Error {
  override readonly name = 'ProviderRpcError';
  readonly code: number;
  readonly data: unknown;

  constructor(payload: RpcErrorPayload) {
    super(payload.message);
    this.code = payload.code;
    this.data = payload.data;
  }
}

export type Listener<E extends RpcEventName> = (data: RpcEvents[E]) => void;

/** `window.xmtp`: EIP-1193 in shape, typed by the one RPC schema. */
export interface XmtpProvider {
  readonly isParley: true;
  request<M extends RpcMethod>(args: RpcRequest<M>): Promise<RpcResult<M>>;
  on<E extends RpcEventName>(event: E, listener: Listener<E>): XmtpProvider;
  removeListener<E extends RpcEventName>(event: E, listener: Listener<E>): XmtpProvider;
}

/** What the provider needs of `window`; tests pass a stand-in. */
export interface ProviderWindow {
  location: { origin: string };
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
  dispatchEvent(event: Event): boolean;
}

/**
 * Framing only (DESIGN §2): a request becomes a window message to the content script, its
 * answer or an event comes back the same way. No checks beyond the frame's shape: the worker
 * validates everything and the page could bypass this object anyway.
 */
export function createProvider(win: ProviderWindow): XmtpProvider {
  const pending = new Map<RequestId, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<RpcEventName, Set<(data: unknown) => void>>();
  let nextId = 1;

  win.addEventListener('message', (e: Event) => {
    const event = e as MessageEvent;
    // Only our own window's content script posts answers; frames and other windows cannot.
    if (event.source !== (win as unknown) || !isPageEnvelope(event.data, 'toPage')) return;
    let frame;
    try {
      frame = parseDownFrame(event.data);
    } catch {
      return;
    }
    if (frame.type === 'event') {
      for (const fn of [...(listeners.get(frame.event) ?? [])]) {
        try {
          fn(frame.data);
        } catch (e) {
          // A throwing listener must not starve the others (EIP-1193 uses Node's EventEmitter semantics).
          queueMicrotask(() => {
            throw e;
          });
        }
      }
      return;
    }
    const waiter = pending.get(frame.id);
    if (!waiter) return;
    pending.delete(frame.id);
    if ('error' in frame) waiter.reject(new ProviderRpcError(frame.error));
    else waiter.resolve(frame.result);
  });

  const provider: XmtpProvider = {
    isParley: true,
    request<M extends RpcMethod>(args: RpcRequest<M>): Promise<RpcResult<M>> {
      if (typeof args !== 'object' || args === null || typeof args.method !== 'string') {
        return Promise.reject(new ProviderRpcError({ code: -32602, message: 'request() takes { method, params }.' }));
      }
      const id = nextId++;
      return new Promise<RpcResult<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        try {
          const frame: Record<string, unknown> = { channel: PAGE_CHANNEL, direction: 'toExtension', type: 'request', id, method: args.method };
          if (args.params !== undefined) frame['params'] = args.params;
          win.postMessage(frame, win.location.origin);
        } catch (e) {
          // Params structured clone cannot copy (a function, a DOM node).
          pending.delete(id);
          reject(new ProviderRpcError({ code: -32602, message: 'Params must be plain JSON.', data: String(e) }));
        }
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (data: unknown) => void);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener as (data: unknown) => void);
      return provider;
    },
  };
  return Object.freeze(provider);
}

/**
 * Announces the provider now and whenever a dApp asks (EIP-6963's flow under XMTP names):
 * a dApp that loads later, or an SDK that listens late, still finds it.
 */
export function announceProvider(win: ProviderWindow, provider: XmtpProvider, info: ProviderInfo): void {
  const detail = Object.freeze({ info: Object.freeze({ ...info }), provider });
  const announce = (): void => {
    win.dispatchEvent(new CustomEvent(ANNOUNCE_PROVIDER_EVENT, { detail }));
  };
  win.addEventListener(REQUEST_PROVIDER_EVENT, announce);
  announce();
}
