/** The part of a Node writable that backpressure needs. */
interface Drainable {
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * Resolves on the writable's next 'drain', rejects if `signal` aborts first; either way the
 * other listener is removed (a stream that is often behind would otherwise pile them up).
 */
export function drained(writable: Drainable, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('stream cancelled'));
      return;
    }
    const onDrain = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      writable.off('drain', onDrain);
      reject(new Error('stream cancelled'));
    };
    writable.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
