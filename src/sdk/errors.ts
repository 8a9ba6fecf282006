import type { Eip1193CodeNumber } from '../core/rpc/eip1193';
import { Eip1193Code } from '../core/rpc/eip1193';

/**
 * What every SDK call rejects with: the EIP-1193 number the provider answered (4001 rejected
 * by the user, 4100 no access or locked, 4200 unknown method, 4900 node unreachable, -32602
 * invalid params, -32603 internal; DESIGN §4) and, when the extension named one, its stable
 * Parley code (`Rpc.Unauthorized`, `Vault.Locked`, …) to tell causes apart.
 */
export class XmtpRpcError extends Error {
  override readonly name: string = 'XmtpRpcError';
  readonly code: number;
  /** The extension's stable code from `data.code`, when it sent one. */
  readonly parleyCode: string | undefined;
  readonly details: string | undefined;
  readonly data: unknown;

  constructor(code: number, message: string, opts: { data?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.data = opts.data;
    const data = opts.data;
    this.parleyCode = isRecord(data) && typeof data['code'] === 'string' ? data['code'] : undefined;
    this.details = isRecord(data) && typeof data['details'] === 'string' ? data['details'] : undefined;
  }

  get userRejected(): boolean {
    return this.code === Eip1193Code.UserRejected;
  }

  get unauthorized(): boolean {
    return this.code === Eip1193Code.Unauthorized;
  }
}

/** No Parley provider answered discovery, and `window.xmtp` is not there either. */
export class ProviderNotFoundError extends XmtpRpcError {
  override readonly name = 'ProviderNotFoundError';

  constructor(waitedMs: number) {
    super(Eip1193Code.Disconnected, `No XMTP provider announced itself within ${waitedMs} ms. Is the Parley extension installed?`, {
      data: { code: 'Sdk.ProviderNotFound' },
    });
  }
}

/** A stream whose reader fell too far behind; it ends rather than grow without bound. */
export class StreamOverflowError extends XmtpRpcError {
  override readonly name = 'StreamOverflowError';

  constructor(limit: number) {
    super(Eip1193Code.Internal, `The stream buffered ${limit} items that were not read; it has ended.`, {
      data: { code: 'Sdk.StreamOverflow' },
    });
  }
}

export function isXmtpRpcError(error: unknown, code?: Eip1193CodeNumber): error is XmtpRpcError {
  return error instanceof XmtpRpcError && (code === undefined || error.code === code);
}

/**
 * Turns whatever a provider rejected with into an XmtpRpcError. A provider is page-reachable
 * code, so its error is read as untrusted: a number code and a string message or a -32603.
 */
export function toXmtpRpcError(error: unknown): XmtpRpcError {
  if (error instanceof XmtpRpcError) return error;
  if (isRecord(error) && typeof error['code'] === 'number' && Number.isInteger(error['code'])) {
    const message = typeof error['message'] === 'string' && error['message'] !== '' ? error['message'] : 'Request failed.';
    return new XmtpRpcError(error['code'], message, { data: error['data'], cause: error });
  }
  return new XmtpRpcError(Eip1193Code.Internal, 'The provider failed without an EIP-1193 error.', { cause: error });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
