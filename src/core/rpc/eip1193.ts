import type { ErrorCode } from '../errors';
import { ParleyError } from '../errors';
import type { RpcErrorPayload } from './schema';

/** EIP-1193 §Errors and EIP-1474 numbers, the only ones `window.xmtp` answers with (DESIGN §4). */
export const Eip1193Code = {
  UserRejected: 4001,
  Unauthorized: 4100,
  UnsupportedMethod: 4200,
  Disconnected: 4900,
  InvalidParams: -32602,
  Internal: -32603,
} as const;

export type Eip1193CodeNumber = (typeof Eip1193Code)[keyof typeof Eip1193Code];

/**
 * The one table from ParleyError codes to EIP-1193 numbers. Codes not named here are
 * internal (-32603): a dApp cannot act on them, and their details stay in the worker's log.
 */
const CODE_TABLE: Partial<Record<ErrorCode, Eip1193CodeNumber>> = {
  'Rpc.UserRejected': Eip1193Code.UserRejected,
  'Rpc.Unauthorized': Eip1193Code.Unauthorized,
  'Vault.Locked': Eip1193Code.Unauthorized,
  'Vault.NotInitialized': Eip1193Code.Unauthorized,
  'Vault.NoIdentity': Eip1193Code.Unauthorized,
  'Rpc.UnsupportedMethod': Eip1193Code.UnsupportedMethod,
  'Rpc.Disconnected': Eip1193Code.Disconnected,
  'Api.Network': Eip1193Code.Disconnected,
  'Api.Unavailable': Eip1193Code.Disconnected,
  'Api.DeadlineExceeded': Eip1193Code.Disconnected,
  'Rpc.InvalidParams': Eip1193Code.InvalidParams,
  'Rpc.NotFound': Eip1193Code.InvalidParams,
  'Content.Invalid': Eip1193Code.InvalidParams,
  'Codec.TooLarge': Eip1193Code.InvalidParams,
  'Identity.BadInput': Eip1193Code.InvalidParams,
  // This inbox lacks the role for the change: the dApp shows why, the details name the rule.
  'Group.PermissionDenied': Eip1193Code.InvalidParams,
  'Group.BadPermissionUpdate': Eip1193Code.InvalidParams,
};

export function eip1193CodeFor(code: ErrorCode): Eip1193CodeNumber {
  return CODE_TABLE[code] ?? Eip1193Code.Internal;
}

/**
 * What crosses to the page for a failed request: `{ code, message, data }`, the Parley code
 * in `data.code` so SDKs can tell causes apart. Internal errors say no more than that.
 */
export function toRpcError(error: unknown): RpcErrorPayload {
  if (!(error instanceof ParleyError)) return { code: Eip1193Code.Internal, message: 'Internal error.' };
  const code = eip1193CodeFor(error.code);
  if (code === Eip1193Code.Internal) return { code, message: 'Internal error.', data: { code: error.code } };
  const data: { code: ErrorCode; details?: string } = { code: error.code };
  if (error.details !== undefined) data.details = error.details;
  return { code, message: error.shortMessage, data };
}
