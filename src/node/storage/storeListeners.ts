import type { StoreEvent, StoreListener } from './types';

/** The listeners behind NodeStore.onChange, one mechanism for every backend. */
export class StoreListeners {
  private readonly listeners = new Set<StoreListener>();

  get size(): number {
    return this.listeners.size;
  }

  add(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener of a non-empty event. */
  emit(event: StoreEvent): void {
    if (event.records.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (NodeStore.onChange): the write stands and the
        // other listeners still hear of it.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
