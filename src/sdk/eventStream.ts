import type { RpcEventName, RpcEvents } from '../core/rpc/schema';
import { toXmtpRpcError, StreamOverflowError } from './errors';
import type { XmtpProvider } from './provider';

export const DEFAULT_STREAM_BUFFER = 1000;

export interface EventStreamOptions<T> {
  /** Items kept for a slow reader before the stream ends with StreamOverflowError. */
  bufferLimit?: number;
  filter?: (item: T) => boolean;
}

/**
 * An AsyncIterable over one provider event, as XMTP SDKs stream: `for await` reads it,
 * `return()` (or `break`) removes the listener. A `disconnect` event ends it with that error.
 */
export class EventStream<E extends RpcEventName> implements AsyncIterableIterator<RpcEvents[E]> {
  private readonly buffer: RpcEvents[E][] = [];
  private readonly waiters: { resolve: (r: IteratorResult<RpcEvents[E]>) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;
  private done = false;
  private readonly limit: number;
  private readonly onEvent = (data: RpcEvents[E]): void => this.push(data);
  private readonly onDisconnect = (error: RpcEvents['disconnect']): void => this.fail(toXmtpRpcError(error));

  constructor(
    private readonly provider: XmtpProvider,
    private readonly event: E,
    private readonly options: EventStreamOptions<RpcEvents[E]> = {},
  ) {
    this.limit = options.bufferLimit ?? DEFAULT_STREAM_BUFFER;
    provider.on(event, this.onEvent);
    if (event !== 'disconnect') provider.on('disconnect', this.onDisconnect);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<RpcEvents[E]>> {
    const item = this.buffer.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<RpcEvents[E]>> {
    this.close();
    this.buffer.length = 0;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  private push(item: RpcEvents[E]): void {
    if (this.done || (this.options.filter && !this.options.filter(item))) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.buffer.length >= this.limit) {
      this.fail(new StreamOverflowError(this.limit));
      return;
    }
    this.buffer.push(item);
  }

  private fail(error: unknown): void {
    if (this.done) return;
    this.close();
    const waiter = this.waiters.shift();
    if (waiter) waiter.reject(error);
    else this.failure = error;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.provider.removeListener(this.event, this.onEvent);
    if (this.event !== 'disconnect') this.provider.removeListener('disconnect', this.onDisconnect);
  }
}
