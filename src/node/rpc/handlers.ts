import type { ApiMethodName, ApiMethodTable, MethodSpec } from '../../core/api';

/** What a handler knows about the call besides its request. */
export interface CallContext {
  /** Who is calling, for rate limits and logs (the peer's IP address). */
  readonly clientKey: string;
  /** Aborted when the client goes away or the node shuts down. */
  readonly signal: AbortSignal;
}

/**
 * Sends response messages of a server stream, in order; resolves when the transport takes more.
 * Messages ready together go in one call, so the transport can write them as one chunk.
 */
export type StreamSend<Res> = (messages: readonly Res[]) => Promise<void>;

type HandlerFor<S> =
  S extends MethodSpec<infer Req, infer Res, 'unary'>
    ? (request: Req, ctx: CallContext) => Promise<Res>
    : S extends MethodSpec<infer Req, infer Res, 'serverStream'>
      ? (request: Req, ctx: CallContext, send: StreamSend<Res>) => Promise<void>
      : never;

/**
 * The node's implementation of every method in src/core/api's table; typed from it, so a
 * method added there without a handler here fails to compile.
 */
export type NodeHandlers = { readonly [K in ApiMethodName]: HandlerFor<ApiMethodTable[K]> };

/** Which budget a method draws on (rpc/rateLimiter). */
export const WRITE_METHODS: ReadonlySet<ApiMethodName> = new Set<ApiMethodName>([
  'sendGroupMessages',
  'sendWelcomeMessages',
  'uploadKeyPackage',
  'publishIdentityUpdate',
  'batchPublishCommitLog',
]);
