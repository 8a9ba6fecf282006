import { ParleyError } from '../../core/errors';

/**
 * How many live subscriptions the node holds open. Each costs memory per topic it names (an
 * entry in the topic index, a cursor and a high-water mark): unbounded, 3,000 streams of
 * 10,000 topics took a node from 190 MB to 2.4 GB. Every cap: 0 = unlimited.
 */
export interface StreamLimits {
  /** Open streams per client (the rate-limit key: the peer's IP address). */
  perClient: number;
  /** Open streams on the node, all clients together. */
  total: number;
  /** Topics (groups or installations) one subscription may name. */
  topicsPerStream: number;
  /** Topics named by all open streams together. */
  totalTopics: number;
}

/**
 * libxmtp streams with one SubscribeWelcomeMessages naming its own installation key (1 topic)
 * and one SubscribeGroupMessages naming every group it is in: 100 streams per address leaves
 * room for dozens of installations behind one NAT or agent host, and 10,000 topics for a
 * client in 10,000 groups. The topic total bounds the topic index at roughly 150 MB (about 73
 * bytes a watched topic, from the measurement above).
 */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  perClient: 100,
  total: 10_000,
  topicsPerStream: 10_000,
  totalTopics: 2_000_000,
};

function exhausted(message: string, details: string): never {
  throw new ParleyError('Api.ResourceExhausted', message, { details });
}

/** Counts open streams per client and in total; refuses one over any cap (RESOURCE_EXHAUSTED). */
export class StreamAdmission {
  private readonly perClient = new Map<string, number>();
  private streams = 0;
  private topics = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Admits a stream of `topicCount` topics for `clientKey`; returns the function that ends it (idempotent). */
  admit(clientKey: string, topicCount: number): () => void {
    const { perClient, total, topicsPerStream, totalTopics } = this.limits;
    if (topicsPerStream > 0 && topicCount > topicsPerStream) {
      exhausted('Too many topics in one subscription; split it into several.', `${topicCount}, at most ${topicsPerStream}`);
    }
    const mine = this.perClient.get(clientKey) ?? 0;
    if (perClient > 0 && mine >= perClient) {
      exhausted('Too many open subscriptions from this client; close one first.', `${mine} open, at most ${perClient}`);
    }
    if (total > 0 && this.streams >= total) {
      exhausted('The node holds as many subscriptions as it serves; retry later.', `${this.streams} open, at most ${total}`);
    }
    if (totalTopics > 0 && this.topics + topicCount > totalTopics) {
      exhausted('The node watches as many topics as it serves; retry later.', `${this.topics} watched, ${topicCount} asked, at most ${totalTopics}`);
    }
    this.perClient.set(clientKey, mine + 1);
    this.streams++;
    this.topics += topicCount;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.streams--;
      this.topics -= topicCount;
      const left = (this.perClient.get(clientKey) ?? 1) - 1;
      if (left === 0) this.perClient.delete(clientKey);
      else this.perClient.set(clientKey, left);
    };
  }

  /** Open streams, in total and of one client (tests, health). */
  open(clientKey?: string): number {
    return clientKey === undefined ? this.streams : (this.perClient.get(clientKey) ?? 0);
  }
}
