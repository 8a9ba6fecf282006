import { deserialize, serialize } from 'node:v8';
import { ParleyError } from '../core/errors';

/*
 * Store records are plain data with bigint and Uint8Array in them (the ClientStore's rule). Node's
 * structured-clone serializer (node:v8) writes exactly that kind of value, in a versioned binary
 * format that later Node versions keep reading, and the bytes stay bytes (no base64 for MLS states
 * of several MB).
 */

/** A group state of 250 members is a few MB; nothing the client stores comes near this. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** The bytes of one record; a value structured clone cannot hold (a function, a symbol) is Client.BadInput. */
export function encodeRecord(record: object): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = serialize(withPlainBytes(record));
  } catch (cause) {
    if (cause instanceof ParleyError) throw cause;
    throw new ParleyError('Client.BadInput', 'A store record holds a value that cannot be stored.', {
      details: cause instanceof Error ? cause.message.slice(0, 200) : String(cause),
      cause,
    });
  }
  if (bytes.length > MAX_RECORD_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'A store record is too large.', { details: `${bytes.length} bytes` });
  }
  return bytes;
}

/** A record back from its bytes; anything that is not a record we wrote is Agent.StoreCorrupt. */
export function decodeRecord(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length > MAX_RECORD_BYTES) corrupt(`${bytes.length} bytes`);
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch (cause) {
    return corrupt('not a serialized record', cause);
  }
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return corrupt('not a plain object');
  }
  return withOwnBytes(value, 0) as Record<string, unknown>;
}

/**
 * The deserializer gives byte arrays as views into the input; copying each one lets the caller
 * wipe the decrypted input, and gives every array its own buffer at offset 0, as structuredClone does.
 */
function withOwnBytes(value: unknown, depth: number): unknown {
  if (depth > 64) corrupt('nested too deeply');
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withOwnBytes(value[i], depth + 1);
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const was = record[k];
      const now = withOwnBytes(was, depth + 1);
      // defineProperty: an own "__proto__" key stays a key instead of replacing the prototype.
      if (now !== was) Object.defineProperty(record, k, { value: now, enumerable: true, writable: true, configurable: true });
    }
  }
  return value;
}

function corrupt(details: string, cause?: unknown): never {
  throw new ParleyError('Agent.StoreCorrupt', 'A store record is malformed.', { details, cause });
}

/**
 * Node's serializer gives a Buffer back as a Buffer; the memory store (structuredClone) gives a
 * plain Uint8Array. Writing every byte array as a plain view keeps the two stores equal.
 */
function withPlainBytes(value: unknown, depth = 0): unknown {
  if (depth > 64) throw new ParleyError('Client.BadInput', 'A store record is nested too deeply.');
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) return value.map((v) => withPlainBytes(v, depth + 1));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    // defineProperty: an own "__proto__" key stays a key instead of replacing the prototype.
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: withPlainBytes(v, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
