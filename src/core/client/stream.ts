import { ParleyError } from '../errors';

/**
 * An async iterable of values pushed by a producer, ended by `return()` (what `break` in a
 * for-await loop calls), by `end()`, or by an AbortSignal. Values pushed while nobody waits are
 * buffered, up to `maxBuffered`; past that the stream fails rather than grow without bound.
 */
export class AsyncStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiters: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  private done = false;
  private failure: unknown;
  private readonly onEnd: (() => void)[] = [];

  constructor(
    signal?: AbortSignal,
    private readonly maxBuffered = 10_000,
  ) {
    if (signal?.aborted) this.end();
    signal?.addEventListener('abort', () => this.end(), { once: true });
  }

  /** Registers cleanup to run once when the stream ends, however it ends. */
  finally(cleanup: () => void): void {
    if (this.done) cleanup();
    else this.onEnd.push(cleanup);
  }

  get ended(): boolean {
    return this.done;
  }

  push(value: T): void {
    if (this.done) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.maxBuffered) {
      this.fail(new ParleyError('Client.Closed', 'The stream’s reader fell too far behind.', { details: `${this.maxBuffered} values buffered` }));
      return;
    }
    this.buffer.push(value);
  }

  /** Ends the stream with an error, delivered after the values already buffered. */
  fail(error: unknown): void {
    if (this.done) return;
    this.failure = error;
    this.finish();
  }

  end(): void {
    if (this.done) return;
    this.finish();
  }

  private finish(): void {
    this.done = true;
    for (const cleanup of this.onEnd.splice(0)) cleanup();
    if (this.buffer.length > 0) return;
    for (const waiter of this.waiters.splice(0)) {
      if (this.failure !== undefined) waiter.reject(this.failure);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.done) {
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.failure = undefined;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Waits `ms` or until the signal aborts, whichever comes first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
