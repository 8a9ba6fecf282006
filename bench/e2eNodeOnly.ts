import { Client, createMemoryStore, type DecodedMessage, type Dm } from '../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../src/core/identity';
import { wallNow } from './e2eStats';

export interface TimedDelivery {
  /** Wall-clock ms just before the send call. */
  sentAt: number;
  /** When the sender's send call resolved (the node acknowledged the message). */
  ackedAt: number;
  /** When the receiving application had the message. */
  receivedAt: number;
}

/**
 * The node-only path: two core Clients in this process (memory stores, gRPC-web to the same
 * node as the browsers), a DM between them, the receiver on streamAllMessages. The same
 * engine the extension's worker runs, without the browser, the vault or the page relay.
 */
export class NodeOnlyPair {
  private readonly arrivals = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();
  private readonly stream: AsyncIterator<DecodedMessage>;
  private readonly reading: Promise<void>;

  private constructor(
    private readonly sender: Client,
    private readonly receiver: Client,
    readonly dm: Dm,
  ) {
    const messages = receiver.conversations.streamAllMessages();
    this.stream = messages[Symbol.asyncIterator]();
    this.reading = (async () => {
      for await (const message of messages) {
        if (message.content?.type !== 'text') continue;
        const at = wallNow();
        this.arrivals.set(message.content.text, at);
        this.waiters.get(message.content.text)?.(at);
      }
    })().catch(() => undefined);
  }

  static async start(nodeWebUrl: string): Promise<NodeOnlyPair> {
    const newClient = () => Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: nodeWebUrl, store: createMemoryStore() });
    const sender = await newClient();
    const receiver = await newClient();
    try {
      const dm = await sender.conversations.createDm(receiver.inboxId);
      return new NodeOnlyPair(sender, receiver, dm);
    } catch (error) {
      sender.close();
      receiver.close();
      throw error;
    }
  }

  /** Sends `text` and waits for the receiver's stream to yield it, or throws after `timeoutMs`. */
  async deliver(text: string, timeoutMs: number): Promise<TimedDelivery> {
    const arrival = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-only: "${text}" did not arrive within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(text, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    arrival.catch(() => undefined);
    const sentAt = wallNow();
    await this.dm.sendText(text);
    const ackedAt = wallNow();
    const receivedAt = this.arrivals.get(text) ?? (await arrival);
    this.waiters.delete(text);
    return { sentAt, ackedAt, receivedAt };
  }

  async close(): Promise<void> {
    await this.stream.return?.();
    this.sender.close();
    this.receiver.close();
    await this.reading;
  }
}
