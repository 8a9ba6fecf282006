import type { NodeStore, StoreEvent } from '../storage/types';

/** Receives the live records of the topics it watches, one call per store event. */
export type TopicSink<R> = (records: R[]) => void;

/**
 * Live records of one kind (group messages or welcomes) handed to the subscriptions that
 * name their topic: one store listener for all of them and a topic → subscriptions index,
 * so a committed batch costs one pass over its records plus one push per delivery, instead
 * of every subscription scanning every record of every group. Listens to the store only
 * while someone watches.
 */
export class TopicFeed<R> {
  private readonly byTopic = new Map<string, Set<TopicSink<R>>>();
  private off: (() => void) | undefined;

  constructor(
    private readonly store: Pick<NodeStore, 'onChange'>,
    private readonly recordsOf: (event: StoreEvent) => readonly R[] | undefined,
    private readonly topicOf: (record: R) => string,
  ) {}

  /**
   * Calls `sink` with each store event's records on any of `topics`, in the event's order
   * (so per topic in id order). Returns the function that stops it.
   */
  watch(topics: Iterable<string>, sink: TopicSink<R>): () => void {
    const watched = [...new Set(topics)];
    for (const topic of watched) {
      let sinks = this.byTopic.get(topic);
      if (!sinks) this.byTopic.set(topic, (sinks = new Set()));
      sinks.add(sink);
    }
    this.off ??= this.store.onChange(this.onEvent);
    return () => {
      for (const topic of watched) {
        const sinks = this.byTopic.get(topic);
        sinks?.delete(sink);
        if (sinks?.size === 0) this.byTopic.delete(topic);
      }
      if (this.byTopic.size === 0) {
        this.off?.();
        this.off = undefined;
      }
    };
  }

  /** How many topics someone watches (tests). */
  get topicCount(): number {
    return this.byTopic.size;
  }

  private readonly onEvent = (event: StoreEvent): void => {
    const records = this.recordsOf(event);
    if (!records) return;
    let batches: Map<TopicSink<R>, R[]> | undefined;
    for (const record of records) {
      const sinks = this.byTopic.get(this.topicOf(record));
      if (!sinks) continue;
      batches ??= new Map();
      for (const sink of sinks) {
        const batch = batches.get(sink);
        if (batch) batch.push(record);
        else batches.set(sink, [record]);
      }
    }
    if (!batches) return;
    for (const [sink, batch] of batches) {
      try {
        sink(batch);
      } catch {
        // One subscription's failure is its own: the others still get their records.
      }
    }
  };
}
