import type { NetworkApi } from '../../core/api/networkApi';
import { Client, createMemoryStore, type ClientStore, type DecodedMessage, type Dm, type Group, type KeyRotationPolicy } from '../../core/client';
import type { AccountSigner } from '../../core/client/register';
import type {
  AttachmentContent,
  Content,
  GroupUpdatedContent,
  MarkdownContent,
  ReactionContent,
  ReadReceiptContent,
  RemoteAttachmentContent,
  ReplyContent,
  TextContent,
  TransactionReferenceContent,
  UnknownContent,
  WalletSendCallsContent,
} from '../../core/content/content';
import { createAgentClient, type AgentOptions as DataDirOptions } from '../agentClient';
import { openSqliteClientStore, type SqliteClientStoreOptions } from '../sqliteClientStore';
import { composeMiddleware, type Middleware } from './middleware';
import { MessageContext, type ReceivedMessage } from './messageContext';

/** A new conversation the agent was added to (or made). */
export interface ConversationContext {
  conversation: Dm | Group;
  client: Client;
}

/** What each event's handlers get. Message events come after every middleware called next(). */
export interface AgentEvents {
  /** Every readable message from another inbox, before its content's own event. */
  message: MessageContext;
  text: MessageContext<TextContent>;
  markdown: MessageContext<MarkdownContent>;
  reaction: MessageContext<ReactionContent>;
  reply: MessageContext<ReplyContent>;
  readReceipt: MessageContext<ReadReceiptContent>;
  attachment: MessageContext<AttachmentContent>;
  remoteStaticAttachment: MessageContext<RemoteAttachmentContent>;
  transactionReference: MessageContext<TransactionReferenceContent>;
  walletSendCalls: MessageContext<WalletSendCallsContent>;
  groupUpdated: MessageContext<GroupUpdatedContent>;
  /** Content of a type this client does not know (its fallback text, if any, is on the message). */
  unknownMessage: MessageContext<UnknownContent>;
  conversation: ConversationContext;
  dm: ConversationContext & { conversation: Dm };
  group: ConversationContext & { conversation: Group };
  start: undefined;
  stop: undefined;
  /** A handler or middleware threw; the agent goes on with the next message. */
  unhandledError: unknown;
}

export type AgentEventName = keyof AgentEvents;
type Handler<E extends AgentEventName> = (payload: AgentEvents[E]) => Promise<void> | void;

/** The content types that have an event of their own. */
const CONTENT_EVENTS = {
  text: 'text',
  markdown: 'markdown',
  reaction: 'reaction',
  reply: 'reply',
  readReceipt: 'readReceipt',
  attachment: 'attachment',
  remoteStaticAttachment: 'remoteStaticAttachment',
  transactionReference: 'transactionReference',
  walletSendCalls: 'walletSendCalls',
  groupUpdated: 'groupUpdated',
  unknown: 'unknownMessage',
} as const satisfies Record<Content['type'], AgentEventName>;

/** Store cursor keys: the node id of the last message handled, per conversation. */
const CURSOR_PREFIX = 'parley-agent/handled/';

export interface AgentRunOptions {
  /** Runs after stop(): closes what the agent owns (its client and store, when a factory made them). */
  onClose?: () => Promise<void> | void;
}

export interface CreateAgentOptions {
  /** The node's gRPC-web URL (or `api`). */
  apiUrl?: string;
  api?: NetworkApi;
  /** An SQLite file for the agent's keys, groups and cursors; in memory when left out (gone on exit). */
  dbPath?: string;
  /** Encrypts the SQLite records: 32 key bytes or a passphrase (SqliteClientStoreOptions.key). */
  dbEncryptionKey?: SqliteClientStoreOptions['key'];
  /** Background failures of the client (streams, welcomes); logged by default. */
  onError?: (error: unknown) => void;
  /** When the agent replaces its keys (ClientOptions.keyRotation); Parley's defaults when left out. */
  keyRotation?: Partial<KeyRotationPolicy>;
}

/**
 * An event-driven XMTP agent over a Parley Client, in the shape XMTP's agent SDK made familiar:
 * `agent.on('text', (ctx) => ctx.sendText('hi'))`, `agent.use(middleware)`, slash commands
 * with CommandRouter, `start()` and `stop()`.
 *
 * Messages are handled one at a time in the order they arrive. Each conversation's cursor —
 * the node id of the last message handled — is kept in the client's store once its handlers
 * finish, so a restarted agent handles what came while it was down and nothing twice (a crash
 * in the middle of a handler runs that one message again: at least once). Messages of denied
 * conversations and the agent's own are not handled.
 */
export class Agent {
  private readonly handlers = new Map<AgentEventName, Handler<never>[]>();
  private readonly middleware: Middleware[] = [];
  private readonly cursors = new Map<string, bigint>();
  private running: { stop: AbortController; done: Promise<void> } | undefined;

  /** `store` is the client's own store: the agent keeps its cursors there. */
  constructor(
    readonly client: Client,
    private readonly store: ClientStore,
    private readonly options: AgentRunOptions = {},
  ) {}

  /** An agent for `signer`'s inbox (registered on first use), over an SQLite file or memory. */
  static async create(signer: AccountSigner, options: CreateAgentOptions = {}): Promise<Agent> {
    const store =
      options.dbPath === undefined
        ? createMemoryStore()
        : await openSqliteClientStore({ path: options.dbPath, ...(options.dbEncryptionKey !== undefined ? { key: options.dbEncryptionKey } : {}) });
    let client: Client;
    try {
      client = await Client.create(signer, {
        store,
        ...(options.api !== undefined ? { api: options.api } : {}),
        ...(options.apiUrl !== undefined ? { apiUrl: options.apiUrl } : {}),
        onError: options.onError ?? ((e: unknown) => console.error('[parley agent] client:', e)),
        ...(options.keyRotation !== undefined ? { keyRotation: options.keyRotation } : {}),
      });
    } catch (e) {
      await store.close();
      throw e;
    }
    return new Agent(client, store, {
      onClose: async () => {
        client.close();
        await store.close();
      },
    });
  }

  /** An agent over a `parley init` data directory (the CLI's wallet file and store). */
  static async fromDataDir(options: DataDirOptions): Promise<Agent> {
    const opened = await createAgentClient({ onError: (e: unknown) => console.error('[parley agent] client:', e), ...options });
    return new Agent(opened.client, opened.store, { onClose: () => opened.close() });
  }

  get inboxId(): string {
    return this.client.inboxId;
  }

  get address(): string {
    return this.client.accountIdentifier.identifier;
  }

  on<E extends AgentEventName>(event: E, handler: Handler<E>): this {
    const list = this.handlers.get(event) ?? [];
    list.push(handler as Handler<never>);
    this.handlers.set(event, list);
    return this;
  }

  off<E extends AgentEventName>(event: E, handler: Handler<E>): this {
    const list = this.handlers.get(event);
    if (list !== undefined) this.handlers.set(event, list.filter((h) => h !== (handler as Handler<never>)));
    return this;
  }

  /** Adds middleware, run in the order added before every message's handlers. */
  use(...middleware: Middleware[]): this {
    this.middleware.push(...middleware);
    return this;
  }

  /**
   * Syncs, handles what arrived since the last run, then streams until stop(). Resolves once
   * the agent is listening (after `start` handlers ran).
   */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    const stop = new AbortController();
    const { signal } = stop;
    // Streams first, so that nothing arriving during the catch-up is missed; cursors drop repeats.
    const messages = this.client.conversations.streamAllMessages({ signal });
    const conversations = this.client.conversations.stream({ signal });
    await this.client.conversations.syncAll();
    const run = composeMiddleware(this.middleware, (ctx) => this.dispatch(ctx));
    const done = (async () => {
      const joined = (async () => {
        for await (const conversation of conversations) await this.announce(conversation);
      })();
      for (const conversation of await this.client.conversations.list()) {
        const after = await this.cursorOf(conversation.id);
        for (const m of await conversation.messages()) {
          if (signal.aborted) return;
          if (m.sequenceId === undefined || m.sequenceId > after) await this.handle(m, run);
        }
      }
      for await (const m of messages) await this.handle(m, run);
      await joined;
    })();
    this.running = { stop, done };
    await this.emit('start', undefined);
  }

  /** Stops the streams, waits for the message being handled, then closes what the agent owns. */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    running.stop.abort();
    await running.done.catch((e: unknown) => this.report(e));
    await this.emit('stop', undefined);
    await this.options.onClose?.();
  }

  private async handle(m: DecodedMessage, run: (ctx: MessageContext) => Promise<void>): Promise<void> {
    if (m.kind !== 'application' || m.senderInboxId === this.inboxId || m.content === undefined) return;
    if (m.sequenceId !== undefined && m.sequenceId <= (await this.cursorOf(m.conversationId))) return;
    try {
      const conversation = await this.client.conversations.getConversationById(m.conversationId);
      if (conversation !== undefined && (await conversation.consentState()) !== 'denied') {
        await run(new MessageContext(m as ReceivedMessage, conversation, this.client));
      }
    } catch (e) {
      await this.report(e);
    }
    if (m.sequenceId !== undefined) {
      this.cursors.set(m.conversationId, m.sequenceId);
      await this.store.commit([{ op: 'setCursor', key: CURSOR_PREFIX + m.conversationId, value: m.sequenceId }]);
    }
  }

  private async dispatch(ctx: MessageContext): Promise<void> {
    await this.emit('message', ctx);
    await this.emit(CONTENT_EVENTS[ctx.message.content.type], ctx as never);
  }

  private async announce(conversation: Dm | Group): Promise<void> {
    try {
      const ctx = { conversation, client: this.client };
      await this.emit('conversation', ctx);
      if (conversation.kind === 'dm') await this.emit('dm', ctx as AgentEvents['dm']);
      else await this.emit('group', ctx as AgentEvents['group']);
    } catch (e) {
      await this.report(e);
    }
  }

  private async cursorOf(conversationId: string): Promise<bigint> {
    let cursor = this.cursors.get(conversationId);
    if (cursor === undefined) {
      cursor = (await this.store.getCursor(CURSOR_PREFIX + conversationId)) ?? 0n;
      this.cursors.set(conversationId, cursor);
    }
    return cursor;
  }

  private async emit<E extends AgentEventName>(event: E, payload: AgentEvents[E]): Promise<void> {
    for (const handler of this.handlers.get(event) ?? []) await (handler as Handler<E>)(payload);
  }

  /** A failure with no unhandledError handler is still logged with its cause, never dropped. */
  private async report(error: unknown): Promise<void> {
    const handlers = this.handlers.get('unhandledError') ?? [];
    if (handlers.length === 0) {
      console.error('[parley agent] unhandled error:', error);
      return;
    }
    try {
      await this.emit('unhandledError', error);
    } catch (e) {
      console.error('[parley agent] the unhandledError handler failed:', e, 'handling:', error);
    }
  }
}
