import { ParleyError, type ErrorCode } from '../../../core/errors';
import type { GroupMessageInput, GroupMessageRecord, NodeStore, StoreEvent } from '../types';

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
  // Commit counters ride on the last answer of each batch the worker posts, not on every one.
  | { type: 'result'; id: number; result: unknown; stats?: CommitStats }
  | { type: 'error'; id: number; error: SerializedError; stats?: CommitStats };

/** Per message: group id, data and sender HMAC lengths (uint32 each), then a flags byte. */
const PACKED_ENTRY = 13;
const SHOULD_PUSH = 1;
const IS_COMMIT = 2;

/** Where packGroupMessageInputs puts its bytes: a fresh array of `length` zero bytes. */
export type PackAllocator = (length: number) => Uint8Array;

/**
 * insertGroupMessages' inputs as one buffer for the worker: uint32 count, then PACKED_ENTRY
 * bytes per message, then every message's group id, data and sender HMAC back to back. One
 * typed array clones at about a third of the cost of an object per message holding three
 * byte arrays (each of which the receiving thread allocates anew).
 */
export function packGroupMessageInputs(
  inputs: readonly GroupMessageInput[],
  allocate: PackAllocator = (length) => new Uint8Array(length),
): Uint8Array {
  let total = 4 + inputs.length * PACKED_ENTRY;
  for (const m of inputs) total += m.groupId.length + m.data.length + m.senderHmac.length;
  const out = allocate(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, inputs.length);
  let entry = 4;
  let at = 4 + inputs.length * PACKED_ENTRY;
  for (const m of inputs) {
    view.setUint32(entry, m.groupId.length);
    view.setUint32(entry + 4, m.data.length);
    view.setUint32(entry + 8, m.senderHmac.length);
    out[entry + 12] = (m.shouldPush ? SHOULD_PUSH : 0) | (m.isCommit ? IS_COMMIT : 0);
    entry += PACKED_ENTRY;
    out.set(m.groupId, at);
    at += m.groupId.length;
    out.set(m.data, at);
    at += m.data.length;
    out.set(m.senderHmac, at);
    at += m.senderHmac.length;
  }
  return out;
}

/**
 * Hands out consecutive, never reused pieces of SharedArrayBuffer slabs (a full slab is left to
 * the garbage collector once nothing views it). A packed request in shared memory crosses to the
 * worker without being copied (postMessage shares a SharedArrayBuffer), and the main thread's
 * records stay views into the same bytes: per request, no ArrayBuffer allocated on either side
 * and no structured-clone copy. Safe to share because nobody writes a piece after it is handed
 * out and packed: the worker only reads it, the main thread's records are read-only views.
 * The price: one record kept alive keeps its whole slab (up to slabBytes). So a subscription
 * keeps only its first RETAINED_AS_IS backlog records as views, and copies of the rest
 * (runSubscription's `retain`): a client that stops reading pins at most that many slabs.
 */
export class SharedSlabs {
  private slab: Uint8Array;
  private used = 0;

  constructor(private readonly slabBytes = 256 * 1024) {
    this.slab = new Uint8Array(new SharedArrayBuffer(slabBytes));
  }

  readonly allocate: PackAllocator = (length) => {
    // A big request gets a slab of its own rather than wasting the rest of the current one.
    if (length > this.slabBytes / 8) return new Uint8Array(new SharedArrayBuffer(length));
    if (this.used + length > this.slabBytes) {
      this.slab = new Uint8Array(new SharedArrayBuffer(this.slabBytes));
      this.used = 0;
    }
    const piece = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return piece;
  };
}

function malformedPack(details: string): never {
  throw new ParleyError('Codec.Malformed', 'The packed group messages are malformed.', { details });
}

/**
 * The inputs packed by packGroupMessageInputs, as views into `bytes`. No closure per call: it
 * runs once per request on both threads, and tsx names every closure it creates.
 */
export function unpackGroupMessageInputs(bytes: Uint8Array): GroupMessageInput[] {
  if (bytes.length < 4) malformedPack(`${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0);
  // The count is checked against the bytes present before anything is allocated for it.
  if (count > (bytes.length - 4) / PACKED_ENTRY) malformedPack(`${count} messages do not fit in ${bytes.length} bytes`);
  const inputs: GroupMessageInput[] = [];
  let at = 4 + count * PACKED_ENTRY;
  for (let i = 0, entry = 4; i < count; i++, entry += PACKED_ENTRY) {
    const flags = bytes[entry + 12]!;
    if (flags > (SHOULD_PUSH | IS_COMMIT)) malformedPack(`flags ${flags}`);
    const groupIdEnd = fieldEnd(bytes, at, view.getUint32(entry));
    const dataEnd = fieldEnd(bytes, groupIdEnd, view.getUint32(entry + 4));
    const hmacEnd = fieldEnd(bytes, dataEnd, view.getUint32(entry + 8));
    inputs.push({
      groupId: bytes.subarray(at, groupIdEnd),
      data: bytes.subarray(groupIdEnd, dataEnd),
      senderHmac: bytes.subarray(dataEnd, hmacEnd),
      shouldPush: (flags & SHOULD_PUSH) !== 0,
      isCommit: (flags & IS_COMMIT) !== 0,
    });
    at = hmacEnd;
  }
  if (at !== bytes.length) malformedPack(`${bytes.length - at} trailing bytes`);
  return inputs;
}

/** Where a field of `length` bytes starting at `at` ends, if it fits in `bytes`. */
function fieldEnd(bytes: Uint8Array, at: number, length: number): number {
  if (length > bytes.length - at) malformedPack(`a field of ${length} bytes runs past the end`);
  return at + length;
}

/**
 * insertGroupMessages' answer across the thread boundary. The main thread already holds every
 * byte of a newly stored message (it sent them), so only the store's id and timestamp come
 * back, two bigints per message in a plain array (clones at about a third of the cost of a
 * typed array, which allocates an ArrayBuffer on each side), and the main thread builds the records and
 * the live event from its own copies: cloning each message's bytes back twice (in the result
 * and in the event) was most of the structured-clone work between the threads. A re-sent
 * message (not stored again, not announced) comes back whole, as `existing[index]`.
 */
export interface InsertedGroupMessages {
  /** id, createdNs of input i at 2i, 2i + 1 (0n, 0n where `existing` has the record). */
  idsAndNs: bigint[];
  existing: [index: number, record: GroupMessageRecord][];
}

/** The worker side: `records` as the store answered, `fresh` the ones it announced. */
export function packInsertedGroupMessages(
  records: readonly GroupMessageRecord[],
  fresh: { has(record: GroupMessageRecord): boolean },
): InsertedGroupMessages {
  const idsAndNs = new Array<bigint>(records.length * 2).fill(0n);
  const existing: [number, GroupMessageRecord][] = [];
  records.forEach((r, i) => {
    if (fresh.has(r)) {
      idsAndNs[2 * i] = r.id;
      idsAndNs[2 * i + 1] = r.createdNs;
    } else {
      existing.push([i, compactBytes(r)]);
    }
  });
  return { idsAndNs, existing };
}

/**
 * The main-thread side: the records, in input order, and the newly stored ones (to announce).
 * `inputs` must be the caller's own copies: the records keep their byte arrays.
 */
export function unpackInsertedGroupMessages(
  inputs: readonly GroupMessageInput[],
  packed: InsertedGroupMessages,
): { records: GroupMessageRecord[]; fresh: GroupMessageRecord[] } {
  const records: GroupMessageRecord[] = new Array<GroupMessageRecord>(inputs.length);
  for (const [i, r] of packed.existing) records[i] = r;
  const fresh: GroupMessageRecord[] = [];
  inputs.forEach((m, i) => {
    if (records[i]) return;
    const record: GroupMessageRecord = {
      id: packed.idsAndNs[2 * i]!,
      createdNs: packed.idsAndNs[2 * i + 1]!,
      groupId: m.groupId,
      data: m.data,
      senderHmac: m.senderHmac,
      shouldPush: m.shouldPush,
      isCommit: m.isCommit,
    };
    records[i] = record;
    fresh.push(record);
  });
  return { records, fresh };
}

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
