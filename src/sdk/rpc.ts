import type { RpcMethod, RpcParams, RpcRequest, RpcResult } from '../core/rpc/schema';
import { toXmtpRpcError } from './errors';
import type { XmtpProvider } from './provider';

/** One typed call through the provider; every rejection becomes an XmtpRpcError. */
export type Rpc = <M extends RpcMethod>(method: M, ...params: undefined extends RpcParams<M> ? [RpcParams<M>?] : [RpcParams<M>]) => Promise<RpcResult<M>>;

export function rpcOver(provider: XmtpProvider): Rpc {
  return async (method, ...rest) => {
    const params = rest[0];
    const args = (params === undefined ? { method } : { method, params }) as RpcRequest<typeof method>;
    try {
      return await provider.request(args);
    } catch (error) {
      throw toXmtpRpcError(error);
    }
  };
}
