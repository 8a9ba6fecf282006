import type { DownFrame, RpcEventName, RpcEvents } from '../core/rpc';
import { parseRequestFrame, requestIdOf } from '../core/rpc';
import { PAGE_PORT_NAME } from './portNames';
import { ChangeListeners } from './changeListeners';
import { reportRpcError } from './errorReport';

/** The part of chrome.runtime.Port the hub uses. */
export interface HubPort {
  name: string;
  sender?: chrome.runtime.MessageSender | undefined;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

/**
 * The page origin of a port, from what the browser says about its sender (DESIGN §4: never
 * from the message). Only web pages of the top frame, over http(s): the content script runs
 * nowhere else, so anything else is not ours.
 */
export function originOfSender(sender: chrome.runtime.MessageSender | undefined, extensionId: string): string | null {
  if (!sender || sender.id !== extensionId || sender.tab === undefined) return null;
  if (sender.frameId !== undefined && sender.frameId !== 0) return null;
  let origin = sender.origin;
  if (origin === undefined && sender.url !== undefined) {
    try {
      origin = new URL(sender.url).origin;
    } catch {
      return null;
    }
  }
  if (!origin) return null;
  try {
    const url = new URL(origin);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin) return null;
  } catch {
    return null;
  }
  return origin;
}

/** `page` aborts when the asking page's port disconnects (tab closed or navigated away). */
export type RequestHandler = (origin: string, method: string, params: unknown, page: AbortSignal) => Promise<unknown>;

/**
 * The open Ports of web pages, by origin: answers requests and pushes events only to the
 * origins they concern.
 */
export class PortHub {
  private readonly ports = new Map<HubPort, string>();
  private readonly changeListeners = new ChangeListeners();

  constructor(
    private readonly extensionId: string,
    private readonly handle: RequestHandler,
  ) {}

  accept(port: HubPort): boolean {
    const origin = port.name === PAGE_PORT_NAME ? originOfSender(port.sender, this.extensionId) : null;
    if (origin === null) {
      port.disconnect();
      return false;
    }
    this.ports.set(port, origin);
    const open = new AbortController();
    port.onDisconnect.addListener(() => {
      this.ports.delete(port);
      open.abort();
      this.changeListeners.notify();
    });
    port.onMessage.addListener((message) => this.onMessage(port, origin, message, open.signal));
    this.changeListeners.notify();
    return true;
  }

  private onMessage(port: HubPort, origin: string, message: unknown, page: AbortSignal): void {
    let frame;
    try {
      frame = parseRequestFrame(message);
    } catch (e) {
      const id = requestIdOf(message);
      if (id !== undefined) this.post(port, { type: 'response', id, error: reportRpcError(e, { surface: 'site', origin }) });
      return;
    }
    const { id } = frame;
    // Called synchronously: the router orders sends by arrival.
    this.handle(origin, frame.method, frame.params, page).then(
      (result) => this.post(port, { type: 'response', id, result: result ?? null }),
      (error: unknown) => this.post(port, { type: 'response', id, error: reportRpcError(error, { surface: 'site', method: frame.method, origin }) }),
    );
  }

  private post(port: HubPort, frame: DownFrame): void {
    if (!this.ports.has(port)) return;
    try {
      port.postMessage(frame);
    } catch {
      this.ports.delete(port);
    }
  }

  /** Pushes an event to every open page of the origins `to` accepts. */
  emit<E extends RpcEventName>(to: (origin: string) => boolean, event: E, data: RpcEvents[E]): void {
    for (const [port, origin] of this.ports) if (to(origin)) this.post(port, { type: 'event', event, data });
  }

  /** The origins with an open page right now. */
  origins(): Set<string> {
    return new Set(this.ports.values());
  }

  get size(): number {
    return this.ports.size;
  }

  onChange(fn: () => void): () => void {
    return this.changeListeners.add(fn);
  }
}
