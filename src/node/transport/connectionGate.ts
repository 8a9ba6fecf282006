/**
 * Counts open connections per client address and in total, and refuses one past either cap
 * (0 = no cap). A connection admitted is released exactly once, when its socket closes.
 */
export class ConnectionGate {
  private readonly perKey = new Map<string, number>();
  private total = 0;

  constructor(private readonly caps: { perKey: number; total: number }) {}

  get open(): number {
    return this.total;
  }

  /** Takes a slot for `key`; the release to call when the connection ends, or undefined when refused. */
  admit(key: string): (() => void) | undefined {
    const held = this.perKey.get(key) ?? 0;
    if (this.caps.total > 0 && this.total >= this.caps.total) return undefined;
    if (this.caps.perKey > 0 && held >= this.caps.perKey) return undefined;
    this.perKey.set(key, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left === 0) this.perKey.delete(key);
      else this.perKey.set(key, left);
    };
  }
}
