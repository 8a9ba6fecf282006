import type { Conversation, Message, RpcEventName, RpcEvents, RpcMethod, RpcParams, RpcRequest, RpcResult } from '../../src/core/rpc';
import type { XmtpProvider } from '../../src/sdk/index';

type Handler<M extends RpcMethod> = (params: RpcParams<M>) => RpcResult<M> | Promise<RpcResult<M>>;

/** A window.xmtp stand-in: answers from a handler table, records calls, emits events on demand. */
export class FakeProvider implements XmtpProvider {
  readonly calls: { method: RpcMethod; params: unknown }[] = [];
  private readonly handlers: Partial<{ [M in RpcMethod]: Handler<M> }> = {};
  private readonly listeners = new Map<RpcEventName, Set<(data: never) => void>>();

  handle<M extends RpcMethod>(method: M, handler: Handler<M>): this {
    (this.handlers as Record<string, unknown>)[method] = handler;
    return this;
  }

  async request<M extends RpcMethod>(args: RpcRequest<M>): Promise<RpcResult<M>> {
    this.calls.push({ method: args.method, params: args.params });
    const handler = this.handlers[args.method] as Handler<M> | undefined;
    if (!handler) throw { code: 4200, message: `Unsupported method ${args.method}.` };
    return handler(args.params as RpcParams<M>);
  }

  on<E extends RpcEventName>(event: E, listener: (data: RpcEvents[E]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (data: never) => void);
    return this;
  }

  removeListener<E extends RpcEventName>(event: E, listener: (data: RpcEvents[E]) => void): this {
    this.listeners.get(event)?.delete(listener as (data: never) => void);
    return this;
  }

  emit<E extends RpcEventName>(event: E, data: RpcEvents[E]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) (fn as (d: RpcEvents[E]) => void)(data);
  }

  listenerCount(event: RpcEventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}

export const ALICE = {
  inboxId: 'a'.repeat(64),
  address: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  installationId: 'b'.repeat(64),
};
export const BOB_ADDRESS = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
export const BOB_INBOX = 'c'.repeat(64);

export function conversation(id: string, kind: 'dm' | 'group', extra: Partial<Conversation> = {}): Conversation {
  return {
    id,
    kind,
    createdAtNs: '1700000000000000000',
    consentState: 'allowed',
    memberInboxIds: [ALICE.inboxId, BOB_INBOX],
    ...(kind === 'dm' ? { peerInboxId: BOB_INBOX } : {}),
    ...extra,
  };
}

export function message(conversationId: string, text: string, n = 1): Message {
  return {
    id: n.toString(16).padStart(64, '0'),
    conversationId,
    senderInboxId: BOB_INBOX,
    sentAtNs: String(1_700_000_000_000_000_000n + BigInt(n)),
    contentType: 'xmtp.org/text:1.0',
    content: { type: 'text', text },
  };
}

/** A provider already granted to ALICE's inbox. */
export function grantedProvider(): FakeProvider {
  return new FakeProvider()
    .handle('xmtp_requestAccess', (p) => ({ origin: 'http://localhost:5173', scope: p.scope ?? 'site', inboxId: ALICE.inboxId, address: ALICE.address, grantedAt: 1 }))
    .handle('xmtp_getInbox', () => ALICE);
}
