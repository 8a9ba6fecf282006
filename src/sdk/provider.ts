import type { RpcEventName, RpcEvents, RpcMethod, RpcRequest, RpcResult } from '../core/rpc/schema';
import type { ProviderInfo } from '../core/rpc/discovery';

/**
 * The provider as the SDK needs it: `window.xmtp`'s EIP-1193 shape, typed by the one RPC
 * schema (DESIGN §4). Structural, so any conforming provider (or a test's fake) fits.
 */
export interface XmtpProvider {
  request<M extends RpcMethod>(args: RpcRequest<M>): Promise<RpcResult<M>>;
  on<E extends RpcEventName>(event: E, listener: (data: RpcEvents[E]) => void): unknown;
  removeListener<E extends RpcEventName>(event: E, listener: (data: RpcEvents[E]) => void): unknown;
}

/** EIP-6963's `EIP6963ProviderDetail` under XMTP's event names. */
export interface ProviderDetail {
  info: ProviderInfo;
  provider: XmtpProvider;
}

export function isXmtpProvider(value: unknown): value is XmtpProvider {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p['request'] === 'function' && typeof p['on'] === 'function' && typeof p['removeListener'] === 'function';
}
