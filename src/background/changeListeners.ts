/** Callbacks told that a set of open ports changed (one opened or closed). */
export class ChangeListeners {
  private readonly fns = new Set<() => void>();

  /** Adds `fn`; the returned function removes it. */
  add(fn: () => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  notify(): void {
    for (const fn of this.fns) fn();
  }
}
