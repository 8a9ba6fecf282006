import { ParleyError } from '../../core/errors';
import type { InboxActivity, InboxUiEvent } from '../../core/rpc/ui';

/** The part of chrome.runtime.Port the popup uses; tests pass a fake. */
export interface EventPort {
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
  disconnect(): void;
}

/** Opens the port to the worker (chrome.runtime.connect with INBOX_EVENTS_PORT); waking it if it was stopped. */
export type ConnectEvents = () => EventPort;

/** Pushes are small; anything bigger than this many conversations' counts is not the worker's. */
const MAX_UNREAD_ENTRIES = 10_000;
const MAX_ID_CHARS = 256;

function malformed(details: string): never {
  throw new ParleyError('Rpc.InvalidParams', 'Malformed inbox event.', { details });
}

function own(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) malformed(`${path}: expected a count`);
  return value;
}

function activityOf(value: unknown): InboxActivity {
  if (typeof value !== 'object' || value === null) malformed('activity: expected an object');
  const unreadIn = own(value, 'unread');
  if (typeof unreadIn !== 'object' || unreadIn === null || Array.isArray(unreadIn)) malformed('activity.unread: expected an object');
  const keys = Object.keys(unreadIn);
  if (keys.length > MAX_UNREAD_ENTRIES) malformed('activity.unread: too many entries');
  const unread: Record<string, number> = {};
  for (const id of keys) {
    if (id.length > MAX_ID_CHARS) malformed('activity.unread: id too long');
    unread[id] = count(own(unreadIn, id), `activity.unread.${id}`);
  }
  return { unread, total: count(own(value, 'total'), 'activity.total') };
}

/**
 * Checks a push from the worker (trusted, but a page bug or a newer worker must not put a
 * malformed value into the stores): a typed ParleyError for anything not an InboxUiEvent.
 */
export function parseInboxEvent(data: unknown): InboxUiEvent {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) malformed('not an object');
  const event = own(data, 'event');
  switch (event) {
    case 'session':
    case 'conversations':
    case 'grants':
      return { event };
    case 'messages': {
      const conversationId = own(data, 'conversationId');
      if (typeof conversationId !== 'string' || conversationId.length === 0 || conversationId.length > MAX_ID_CHARS) malformed('conversationId');
      return { event, conversationId };
    }
    case 'unread':
      return { event, activity: activityOf(own(data, 'activity')) };
    case 'syncProgress': {
      const synced = count(own(data, 'synced'), 'synced');
      const total = count(own(data, 'total'), 'total');
      if (synced > total) malformed('synced: more than total');
      return { event, synced, total };
    }
    default:
      return malformed('unknown event');
  }
}

export interface InboxEventHandlers {
  event(event: InboxUiEvent): void;
  /** The port came back after a drop (the worker was stopped): whatever was pushed meanwhile is lost. */
  reconnected(): void;
}

/** A connection that lived this long was a working one: the next drop reconnects at once. */
export const STABLE_CONNECTION_MS = 5_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Keeps the popup's event port open for as long as the popup is. The MV3 worker drops the port
 * when it stops; connecting again wakes it (and it streams again), so a drop is followed by a
 * reconnect and a resync — at once after a connection that worked, backing off after ones
 * that failed fast (an extension being reloaded). Returns the function that closes it for good.
 */
export function followInboxEvents(connect: ConnectEvents, handlers: InboxEventHandlers, clock: Clock = realClock): () => void {
  let port: EventPort | null = null;
  let closed = false;
  let retryMs = 0;
  let timer: unknown = null;

  const open = (isReconnect: boolean): void => {
    timer = null;
    if (closed) return;
    const openedAt = clock.now();
    let current: EventPort;
    try {
      current = connect();
    } catch {
      retryLater();
      return;
    }
    port = current;
    current.onMessage.addListener((message) => {
      if (closed || port !== current) return;
      let event: InboxUiEvent;
      try {
        event = parseInboxEvent(message);
      } catch {
        return;
      }
      handlers.event(event);
    });
    current.onDisconnect.addListener(() => {
      if (closed || port !== current) return;
      port = null;
      if (clock.now() - openedAt >= STABLE_CONNECTION_MS) retryMs = 0;
      retryLater();
    });
    if (isReconnect) handlers.reconnected();
  };

  const retryLater = (): void => {
    const delay = retryMs;
    retryMs = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, retryMs * 2));
    timer = clock.setTimeout(() => open(true), delay);
  };

  open(false);
  return () => {
    closed = true;
    if (timer !== null) clock.clearTimeout(timer);
    const last = port;
    port = null;
    last?.disconnect();
  };
}
