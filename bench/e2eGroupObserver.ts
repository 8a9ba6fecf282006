import Long from 'long';
import { createGrpcWebApi } from '../src/core/api';
import { fromHex } from '../src/core/client/bytes';
import { wallNow } from './e2eStats';

/**
 * A bare SubscribeGroupMessages on one group, in the bench process: when each envelope reached
 * a plain subscriber of the node. It splits a message's latency into the sender's part (up to
 * the node's fan-out) and the receiver's part (from there to the receiving app).
 */
export class GroupObserver {
  private readonly arrivals: number[] = [];
  private readonly stop = new AbortController();
  private readonly done: Promise<void>;

  constructor(nodeWebUrl: string, groupIdHex: string) {
    const api = createGrpcWebApi({ url: nodeWebUrl });
    const envelopes = api.subscribeGroupMessages(
      { filters: [{ groupId: fromHex(groupIdHex), idCursor: Long.UZERO }] },
      { signal: this.stop.signal },
    );
    this.done = (async () => {
      for await (const _ of envelopes) this.arrivals.push(wallNow());
    })().catch(() => undefined);
  }

  /** The first envelope seen at or after `since` (a wall-clock ms), if any. */
  firstAfter(since: number): number | undefined {
    return this.arrivals.find((at) => at >= since);
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.done;
  }
}
