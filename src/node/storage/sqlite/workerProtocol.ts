import { ParleyError, type ErrorCode } from '../../../core/errors';
import type { NodeStore, StoreEvent } from '../types';

/** The store methods the worker answers (everything but onChange, which is an event stream). */
export type WorkerMethod = Exclude<keyof NodeStore, 'backend' | 'onChange'>;

export interface WorkerRequest {
  id: number;
  method: WorkerMethod;
  args: unknown[];
}

export interface CommitStats {
  commits: number;
  writes: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; error: SerializedError }
  | { type: 'event'; event: StoreEvent }
  | { type: 'result'; id: number; result: unknown; stats: CommitStats }
  | { type: 'error'; id: number; error: SerializedError; stats: CommitStats };

export type SerializedError = { parley: true; code: ErrorCode; shortMessage: string; details?: string } | { parley: false; message: string };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ParleyError) {
    return error.details === undefined
      ? { parley: true, code: error.code, shortMessage: error.shortMessage }
      : { parley: true, code: error.code, shortMessage: error.shortMessage, details: error.details };
  }
  return { parley: false, message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.parley) {
    return new ParleyError(error.code, error.shortMessage, error.details === undefined ? {} : { details: error.details });
  }
  return new Error(error.message);
}

/**
 * Copies every byte array that is a view into a larger buffer into one of its own size.
 * postMessage clones a view's *whole* underlying buffer: a 300-byte field cut from a 25 MiB
 * request (protobuf decode) or from Node's 8 KiB Buffer pool would otherwise cost that much
 * per field and per message.
 */
export function compactBytes<T>(value: T): T {
  if (value instanceof Uint8Array) {
    return (value.byteLength === value.buffer.byteLength ? value : value.slice()) as T;
  }
  if (Array.isArray(value)) return value.map(compactBytes) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compactBytes(v);
    return out as T;
  }
  return value;
}
