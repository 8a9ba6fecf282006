import type { RelayPort } from '../../src/content/relay';

type Fn<A extends unknown[]> = (...args: A) => void;

class Event<A extends unknown[]> {
  private readonly fns: Fn<A>[] = [];
  addListener(fn: Fn<A>): void {
    this.fns.push(fn);
  }
  removeListener(fn: Fn<A>): void {
    const i = this.fns.indexOf(fn);
    if (i >= 0) this.fns.splice(i, 1);
  }
  emit(...args: A): void {
    for (const fn of [...this.fns]) fn(...args);
  }
}

/** One end of a runtime Port: messages are JSON-serialized, as Chrome does between contexts. */
export class FakePort implements RelayPort {
  readonly onMessage = new Event<[unknown]>();
  readonly onDisconnect = new Event<[]>();
  other: FakePort | null = null;
  connected = true;
  readonly sent: unknown[] = [];

  constructor(
    readonly name: string,
    readonly sender?: chrome.runtime.MessageSender,
  ) {}

  postMessage(message: unknown): void {
    if (!this.connected) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(message);
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    const other = this.other;
    setTimeout(() => {
      if (other?.connected) other.onMessage.emit(copy);
    }, 0);
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    const other = this.other;
    if (other?.connected) {
      other.connected = false;
      setTimeout(() => other.onDisconnect.emit(), 0);
    }
  }
}

/** A connected pair: [the content script's end, the worker's end]. */
export function portPair(name: string, sender: chrome.runtime.MessageSender): [FakePort, FakePort] {
  const a = new FakePort(name);
  const b = new FakePort(name, sender);
  a.other = b;
  b.other = a;
  return [a, b];
}
