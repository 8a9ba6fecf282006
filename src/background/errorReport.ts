import type { ErrorCode } from '../core/errors';
import { ParleyError } from '../core/errors';
import type { RpcErrorPayload, UiErrorPayload } from '../core/rpc';
import { Eip1193Code, toRpcError } from '../core/rpc';
import { randomHex } from './randomHex';

/** Where a failed request came from, for the log line. */
export interface FailureSource {
  surface: 'site' | 'ui';
  method?: string;
  origin?: string;
}

export type ErrorLog = (line: string, error: unknown) => void;

const defaultLog: ErrorLog = (line, error) => console.error(line, error);

/**
 * What a page or Parley's own UI is told of a failure, with the cause written to the worker's
 * log first: no error reaches a user as a bare "Internal error" (the store review found them
 * unlogged). An internal failure gets a short reference that the message and the log line
 * share, so a user's report can be matched to its cause; typed failures keep their own words.
 */
export function reportRpcError(error: unknown, source: FailureSource, log: ErrorLog = defaultLog): RpcErrorPayload {
  const payload = toRpcError(error);
  const where = `${source.surface}${source.method ? ` ${source.method}` : ''}${source.origin ? ` from ${source.origin}` : ''}`;
  if (payload.code !== Eip1193Code.Internal) {
    // Expected outcomes (no access, locked, rejected …): a line only when there is a cause to see.
    if (error instanceof ParleyError && error.cause !== undefined) log(`[parley] ${where}: ${error.code}`, error);
    return payload;
  }
  const ref = randomHex(4);
  const code = error instanceof ParleyError ? error.code : 'Internal';
  log(`[parley] internal error ${ref} in ${where}: ${code}`, error);
  const data = { ...(payload.data as object | undefined), code, ref };
  return { code: payload.code, message: `Something went wrong inside Parley (reference ${ref}); the cause is in the extension's log.`, data };
}

/**
 * Codes Parley's own pages are told as they are, beside those a dApp is told (eip1193.ts): the
 * user can act on them (retype the password, wait), though a dApp could not.
 */
const UI_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['Vault.WrongPassword', 'Vault.Throttled', 'Vault.AlreadyInitialized', 'Vault.IdentityChanged']);

/** What Parley's own pages are told of a failure, logged as reportRpcError logs it. */
export function reportUiError(error: unknown, method: string | undefined, log: ErrorLog = defaultLog): UiErrorPayload {
  // The user's own outcome (a mistyped password, a wait): told as it is, nothing to log.
  if (error instanceof ParleyError && UI_ERROR_CODES.has(error.code)) return uiPayload(error);
  const reported = reportRpcError(error, method === undefined ? { surface: 'ui' } : { surface: 'ui', method }, log);
  if (error instanceof ParleyError && reported.code !== Eip1193Code.Internal) return uiPayload(error);
  return { code: 'Internal', message: reported.message };
}

function uiPayload(error: ParleyError): UiErrorPayload {
  const payload: UiErrorPayload = { code: error.code, message: error.shortMessage };
  if (error.retryAfterMs !== undefined) payload.retryAfterMs = error.retryAfterMs;
  return payload;
}
