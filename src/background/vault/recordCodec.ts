import { base64 } from '@scure/base';
import { ParleyError } from '../../core/errors';

/*
 * Vault records are plain data with bigint and Uint8Array in them (the ClientStore's rule);
 * they are encrypted as bytes, so they need a byte form. JSON with two tagged objects:
 * `{"$n":"123"}` for a bigint and `{"$b":"base64"}` for bytes; a real key that starts with
 * `$` is written with one more `$`, so no value can pass for a tag.
 */

/** A group state of 250 members is a few MB; nothing we store comes near this. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

function corrupt(details: string, cause?: unknown): never {
  throw new ParleyError('Vault.Corrupt', 'A vault record is malformed.', { details, cause });
}

function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return { $n: value.toString() };
  if (value instanceof Uint8Array) return { $b: base64.encode(value) };
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k.startsWith('$') ? `$${k}` : k] = toJson(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new ParleyError('Vault.Corrupt', 'A vault record holds a number JSON cannot.');
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  const obj = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === '$n') {
    const n = obj['$n'];
    if (typeof n !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(n)) corrupt('a bigint tag without a decimal');
    return BigInt(n);
  }
  if (keys.length === 1 && keys[0] === '$b') {
    const b = obj['$b'];
    if (typeof b !== 'string') corrupt('a bytes tag without base64');
    try {
      return base64.decode(b);
    } catch (cause) {
      return corrupt('a bytes tag with bad base64', cause);
    }
  }
  // A null prototype: a stored "__proto__" key stays a plain key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    if (k.startsWith('$') && !k.startsWith('$$')) corrupt(`an unknown tag ${k.slice(0, 8)}`);
    out[k.startsWith('$$') ? k.slice(1) : k] = fromJson(obj[k]);
  }
  return { ...out };
}

export function encodeRecord(value: unknown): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(toJson(value)));
  if (bytes.length > MAX_RECORD_BYTES) throw new ParleyError('Codec.TooLarge', 'A vault record is too large.', { details: `${bytes.length} bytes` });
  return bytes;
}

export function decodeRecord(bytes: Uint8Array): unknown {
  if (bytes.length > MAX_RECORD_BYTES) corrupt(`${bytes.length} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    return corrupt('not UTF-8', cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return corrupt('not JSON', cause);
  }
  try {
    return fromJson(json);
  } catch (cause) {
    // Nesting deep enough to exhaust the stack (only a record we did not write could be).
    if (cause instanceof ParleyError) throw cause;
    return corrupt('too deeply nested', cause);
  }
}
