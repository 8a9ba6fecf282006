import { ParleyError } from '../errors';

/*
 * Readers for untrusted JSON params, shared by the dApp and UI validators: own properties only,
 * type and size checked before a value is kept, every failure `Rpc.InvalidParams` naming the field.
 */

export type JsonObject = { readonly [key: string]: unknown };

export function invalid(path: string, problem: string): never {
  throw new ParleyError('Rpc.InvalidParams', 'Invalid params.', { details: `${path}: ${problem}` });
}

/** Own properties only: "toString" or "__proto__" are never read through the prototype. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** JSON has no undefined: null also means "not given". */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

export function object(value: unknown, path = 'params'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(path, 'expected an object');
  return value as JsonObject;
}

export function string(value: unknown, path: string, maxChars: number, minChars = 0): string {
  if (typeof value !== 'string') invalid(path, 'expected a string');
  if (value.length > maxChars) invalid(path, `longer than ${maxChars} characters`);
  if (value.length < minChars) invalid(path, minChars === 1 ? 'must not be empty' : `at least ${minChars} characters`);
  return value;
}
