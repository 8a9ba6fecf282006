import { ParleyError } from '../../errors';

/** Content handed to an encoder that no codec can write (parseContent catches it earlier). */
export function invalid(what: string, details?: string): ParleyError {
  return new ParleyError('Content.Invalid', `Invalid ${what} content.`, details === undefined ? {} : { details });
}

/** A payload that does not decode as its content type says it should. */
export function malformed(what: string, cause?: unknown): ParleyError {
  return new ParleyError('Codec.Malformed', `Malformed ${what} content.`, cause === undefined ? {} : { cause });
}

// Strict like Rust's str::from_utf8 in libxmtp's codecs, and a leading BOM is text, not framing.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (cause) {
    throw malformed(what, cause);
  }
}

export type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: JSON.parse makes "__proto__" an own key, and "toString" is never one. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function parseJsonObject(bytes: Uint8Array, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes, what));
  } catch (cause) {
    if (cause instanceof ParleyError) throw cause;
    throw malformed(what, cause);
  }
  if (!isJsonObject(value)) throw malformed(what);
  return value;
}

export function requiredString(obj: JsonObject, key: string, what: string): string {
  const value = field(obj, key);
  if (typeof value !== 'string') throw malformed(what);
  return value;
}

/** serde's Option<String>: absent and null both mean none. */
export function optionalString(obj: JsonObject, key: string, what: string): string | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw malformed(what);
  return value;
}

/** A map of strings as serde reads HashMap<String, String>. */
export function stringRecord(value: unknown, what: string, skip: readonly string[] = []): Record<string, string> {
  if (!isJsonObject(value)) throw malformed(what);
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (skip.includes(key)) continue;
    if (typeof v !== 'string') throw malformed(what);
    entries.push([key, v]);
  }
  // fromEntries defines keys, so a "__proto__" entry stays data.
  return Object.fromEntries(entries);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function isHex(value: string): boolean {
  return HEX.test(value);
}

/** Hex as libxmtp's hex::decode accepts it (either case, even length), normalised to lowercase. */
export function normaliseHex(value: string, what: string): string {
  if (!isHex(value)) throw malformed(what);
  return value.toLowerCase();
}
