/**
 * A stand-in for `window` with real postMessage semantics where they matter: the message is
 * a structured clone, delivered in a later task, with the sender's origin and source.
 */
export class FakeWindow extends EventTarget {
  readonly location: { origin: string };

  constructor(origin = 'https://dapp.test') {
    super();
    this.location = { origin };
  }

  postMessage(data: unknown, targetOrigin: string): void {
    if (targetOrigin !== '*' && targetOrigin !== this.location.origin) return;
    this.deliver(structuredClone(data), this.location.origin, this);
  }

  /** A message as another window or frame would post it to this one. */
  deliver(data: unknown, origin: string, source: unknown): void {
    setTimeout(() => {
      const event = new Event('message');
      Object.defineProperties(event, { data: { value: data }, origin: { value: origin }, source: { value: source } });
      this.dispatchEvent(event);
    }, 0);
  }

  /** Every Parley frame posted toward the page, for assertions. */
  framesToPage(): unknown[] {
    return this.seen.filter((d) => typeof d === 'object' && d !== null && (d as { direction?: string }).direction === 'toPage');
  }

  private readonly seen: unknown[] = [];

  override dispatchEvent(event: Event): boolean {
    if (event.type === 'message') this.seen.push((event as MessageEvent).data);
    return super.dispatchEvent(event);
  }
}

export function tick(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition` holds (tasks and timers run meanwhile); fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await tick(2);
  }
}
