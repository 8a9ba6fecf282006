import { ParleyError } from '../errors';
import type { JsonBudget } from './jsonBudget';
import { assertJsonWithin } from './jsonBudget';
import type { RpcErrorPayload, RpcEventName } from './schema';
import { isRpcEventName } from './schema';

/*
 * Framing between the inpage provider, the content-script relay and the worker. The page and
 * the content script talk over window.postMessage, which every script of the page (and any
 * other window holding a reference to it) can also post to, so each frame carries a channel
 * tag and a direction; the relay strips them before the runtime Port.
 */

/** Tags every window message of Parley; the version lets a later provider and relay coexist. */
export const PAGE_CHANNEL = 'parley:v1';

/**
 * What one request may weigh: a 1 MiB attachment is 1.4 M characters of base64, plus room.
 * Node and depth caps stop a small message that expands into a large walk.
 */
export const REQUEST_BUDGET: JsonBudget = { maxChars: 2 * 1024 * 1024, maxDepth: 16, maxNodes: 10_000 };

export type RequestId = number | string;

export interface RequestFrame {
  type: 'request';
  id: RequestId;
  method: string;
  params?: unknown;
}

export type ResponseFrame =
  | { type: 'response'; id: RequestId; result: unknown }
  | { type: 'response'; id: RequestId; error: RpcErrorPayload };

export interface EventFrame {
  type: 'event';
  event: RpcEventName;
  data: unknown;
}

/** Worker → page. */
export type DownFrame = ResponseFrame | EventFrame;

export type PageDirection = 'toExtension' | 'toPage';

export type PageEnvelope<F> = F & { channel: typeof PAGE_CHANNEL; direction: PageDirection };

const MAX_ID_CHARS = 64;
const MAX_METHOD_CHARS = 64;

function malformed(details: string): never {
  throw new ParleyError('Rpc.InvalidParams', 'Malformed request.', { details });
}

function own(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

function isRequestId(value: unknown): value is RequestId {
  return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && value.length <= MAX_ID_CHARS);
}

/** True for window messages of Parley's channel going the given way; everything else is not ours. */
export function isPageEnvelope(data: unknown, direction: PageDirection): data is PageEnvelope<Record<string, unknown>> {
  return (
    typeof data === 'object' &&
    data !== null &&
    own(data, 'channel') === PAGE_CHANNEL &&
    own(data, 'direction') === direction
  );
}

/** The request id of a frame, when it has a usable one: errors go back to it. */
export function requestIdOf(data: unknown): RequestId | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const id = own(data, 'id');
  return isRequestId(id) ? id : undefined;
}

/**
 * Checks a request from the page or the relay: plain JSON within budget first, then its
 * shape. Params stay `unknown`: the method's validator reads them.
 */
export function parseRequestFrame(data: unknown): RequestFrame {
  assertJsonWithin(data, REQUEST_BUDGET);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) malformed('not an object');
  if (own(data, 'type') !== 'request') malformed('not a request');
  const id = own(data, 'id');
  if (!isRequestId(id)) malformed('id: expected a safe integer or a short string');
  const method = own(data, 'method');
  if (typeof method !== 'string' || method.length > MAX_METHOD_CHARS) malformed('method: expected a short string');
  const params = own(data, 'params');
  return params === undefined ? { type: 'request', id, method } : { type: 'request', id, method, params };
}

/** Checks a frame from the worker on the relay or the provider side (trusted, but still typed). */
export function parseDownFrame(data: unknown): DownFrame {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) malformed('not an object');
  const type = own(data, 'type');
  if (type === 'event') {
    const event = own(data, 'event');
    if (!isRpcEventName(event)) malformed('unknown event');
    return { type, event, data: own(data, 'data') };
  }
  if (type !== 'response') malformed('not a response or an event');
  const id = own(data, 'id');
  if (!isRequestId(id)) malformed('id');
  const error = own(data, 'error');
  if (error !== undefined) {
    if (typeof error !== 'object' || error === null) malformed('error: expected an object');
    const code = own(error, 'code');
    const message = own(error, 'message');
    if (typeof code !== 'number' || typeof message !== 'string') malformed('error: expected code and message');
    const payload: RpcErrorPayload = { code, message };
    const extra = own(error, 'data');
    if (extra !== undefined) payload.data = extra;
    return { type, id, error: payload };
  }
  return { type, id, result: own(data, 'result') };
}
