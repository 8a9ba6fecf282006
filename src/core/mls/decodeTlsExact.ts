import type { Decoder } from 'ts-mls';

export type TlsDecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Runs a ts-mls TLS decoder over the whole of `bytes`. ts-mls decoders either return undefined or
 * throw its CodecError (and sometimes a RangeError) on bad input, and they accept trailing bytes;
 * this turns all of that into one result, so callers can raise their own typed error.
 */
export function decodeTlsExact<T>(decoder: Decoder<T>, bytes: Uint8Array): TlsDecodeResult<T> {
  let decoded: [T, number] | undefined;
  try {
    decoded = decoder(bytes, 0);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (decoded === undefined) return { ok: false, reason: 'structure does not decode' };
  const [value, length] = decoded;
  if (length !== bytes.length) return { ok: false, reason: `${bytes.length - length} trailing bytes` };
  return { ok: true, value };
}
