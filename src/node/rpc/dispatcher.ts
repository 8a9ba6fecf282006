import {
  GrpcStatus,
  apiMethodsByPath,
  decodeProto,
  encodeProto,
  type AnyMethodSpec,
  type ApiMethodName,
  type ProtoCodec,
} from '../../core/api';
import type { Logger } from '../log';
import { WRITE_METHODS, type CallContext, type NodeHandlers } from './handlers';
import type { RateLimiter } from './rateLimiter';
import { statusOf, type RpcStatus } from './statusOf';
import { writeItemsOf } from './writeCost';

function rateLimited(what: string, hint = 'retry later'): RpcStatus {
  return { status: GrpcStatus.RESOURCE_EXHAUSTED, message: `Rate limit exceeded: too many ${what} from this client; ${hint}.` };
}

/** What a transport (gRPC or gRPC-web) gives the dispatcher for one call. */
export interface TransportCall {
  readonly clientKey: string;
  readonly signal: AbortSignal;
  /**
   * Writes serialized response messages in order (several at once where the transport can
   * coalesce them); resolves when the transport can take more.
   */
  write(messages: readonly Uint8Array[]): Promise<void>;
}

/** Told of every call's start and end (metrics); method is the API name, or undefined for an unknown path. */
export interface CallObserver {
  started(method: string | undefined, stream: boolean): void;
  ended(method: string | undefined, stream: boolean, status: number): void;
}

export interface DispatcherOptions {
  handlers: NodeHandlers;
  rateLimiter: RateLimiter;
  logger: Logger;
  observer?: CallObserver;
}

type AnyUnary = (request: unknown, ctx: CallContext) => Promise<unknown>;
type AnyStream = (request: unknown, ctx: CallContext, send: (m: readonly unknown[]) => Promise<void>) => Promise<void>;

/**
 * Routes a call by its wire path to its handler: decodes the request (bad bytes are
 * INVALID_ARGUMENT, never a crash), applies the client's rate limit, runs the handler, encodes
 * what it returns, and logs one line per call at debug level. Transport-independent: the gRPC
 * and gRPC-web servers both end up here.
 */
export class Dispatcher {
  private draining = false;
  /** Calls running; drain() waits until it is 0 (a counter: no promise per call to track them). */
  private inFlight = 0;
  private idle: (() => void) | undefined;
  /**
   * Stream messages encoded once however many subscribers receive them: a live record reaches
   * every subscriber as the same response object (mlsService caches them per record).
   */
  private readonly encoded = new WeakMap<object, Uint8Array>();

  constructor(private readonly options: DispatcherOptions) {}

  /** The method behind a wire path, or undefined (the transport answers UNIMPLEMENTED). */
  lookup(path: string): { method: ApiMethodName; spec: AnyMethodSpec } | undefined {
    return apiMethodsByPath.get(path);
  }

  /** Runs one call to completion; never throws. */
  async run(path: string, request: Uint8Array, call: TransportCall): Promise<RpcStatus> {
    const { logger } = this.options;
    // The clock is read only for the debug line that reports it.
    const debug = logger.enabled('debug');
    const started = debug ? performance.now() : 0;
    const entry = this.lookup(path);
    const name = entry?.spec.name;
    const stream = entry?.spec.kind === 'serverStream';
    this.inFlight++;
    this.options.observer?.started(name, stream);
    let status: number = GrpcStatus.UNKNOWN;
    try {
      const outcome = await this.runInner(entry, request, call);
      status = outcome.status;
      if (outcome.internal && outcome.error !== undefined) {
        logger.error('request failed', { method: entry?.spec.name ?? path, error: String(outcome.error) });
      }
      if (debug) {
        logger.debug('request', {
          method: entry?.spec.name ?? path,
          status: outcome.status,
          ms: Math.round((performance.now() - started) * 100) / 100,
          client: call.clientKey,
          ...(outcome.status === GrpcStatus.OK ? {} : { error: outcome.message }),
        });
      }
      return { status: outcome.status, message: outcome.message };
    } finally {
      this.options.observer?.ended(name, stream, status);
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  /** Refuses new calls with UNAVAILABLE and waits for unary calls in flight (streams are cut by their signal). */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const previous = this.idle;
      this.idle = () => {
        this.idle = undefined;
        previous?.();
        resolve();
      };
    });
  }

  private async runInner(
    entry: { method: ApiMethodName; spec: AnyMethodSpec } | undefined,
    request: Uint8Array,
    call: TransportCall,
  ): Promise<RpcStatus & { internal?: boolean; error?: unknown }> {
    if (!entry) return { status: GrpcStatus.UNIMPLEMENTED, message: 'Unknown method.' };
    if (this.draining) return { status: GrpcStatus.UNAVAILABLE, message: 'The node is shutting down.' };
    const { method, spec } = entry;
    const limiter = this.options.rateLimiter;
    const isWrite = WRITE_METHODS.has(method);
    // A write is charged per item and per byte once decoded; one whose client has no budget
    // left at all is refused before its bytes are decoded.
    if (isWrite ? !limiter.allows(call.clientKey, [['write', 1], ['writeBytes', request.length]]) : !limiter.take(call.clientKey, 'read')) {
      return rateLimited(isWrite ? 'writes' : 'reads');
    }
    try {
      const decoded = decodeProto(spec.requestCodec as ProtoCodec<unknown>, request, `${spec.name} request`);
      if (isWrite) {
        const items = writeItemsOf(method, decoded);
        if (!limiter.takeAll(call.clientKey, [['write', items], ['writeBytes', request.length]])) {
          const budget = limiter.capacity('write');
          // A request bigger than the whole budget would never pass: say so rather than "retry".
          return budget > 0 && items > budget ? rateLimited('writes', `${items} items in one request exceed the budget of ${budget}; split it`) : rateLimited('writes');
        }
      }
      const responseCodec = spec.responseCodec as ProtoCodec<unknown>;
      // The transport call carries what a handler may know (clientKey, signal): no copy per call.
      const ctx: CallContext = call;
      if (spec.kind === 'unary') {
        const handler = this.options.handlers[method] as unknown as AnyUnary;
        const response = await handler(decoded, ctx);
        await call.write([encodeProto(responseCodec, response)]);
      } else {
        const handler = this.options.handlers[method] as unknown as AnyStream;
        await handler(decoded, ctx, (messages) =>
          call.write(
            messages.map((m) => {
              let bytes = this.encoded.get(m as object);
              if (!bytes) {
                bytes = encodeProto(responseCodec, m);
                this.encoded.set(m as object, bytes);
              }
              return bytes;
            }),
          ),
        );
      }
      return { status: GrpcStatus.OK, message: '' };
    } catch (error) {
      if (call.signal.aborted) return { status: GrpcStatus.CANCELLED, message: 'The call was cancelled.' };
      return { ...statusOf(error), error };
    }
  }
}
