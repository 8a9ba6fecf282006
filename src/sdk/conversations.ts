import type { ConversationKind, GroupHmacKeys, GroupPermissionsParams, Message } from '../core/rpc/schema';
import type { Dm, Group, SdkContext } from './conversation';
import { conversationFrom } from './conversation';
import type { EventStreamOptions } from './eventStream';
import { EventStream } from './eventStream';

export interface CreateGroupOptions {
  name?: string;
  description?: string;
  imageUrl?: string;
  /** 'default' (XMTP's "All Members"), 'admin_only', or options over the default preset. */
  permissions?: GroupPermissionsParams;
}

export interface ListOptions {
  kind?: ConversationKind;
}

/** `client.conversations`, named as in XMTP's SDKs. What a site sees depends on its grant's scope. */
export class Conversations {
  constructor(private readonly ctx: SdkContext) {}

  async list(options: ListOptions = {}): Promise<(Dm | Group)[]> {
    const list = await this.ctx.rpc('xmtp_listConversations', options.kind === undefined ? {} : { kind: options.kind });
    return list.map((c) => conversationFrom(this.ctx, c));
  }

  async listDms(): Promise<Dm[]> {
    return (await this.list({ kind: 'dm' })) as Dm[];
  }

  async listGroups(): Promise<Group[]> {
    return (await this.list({ kind: 'group' })) as Group[];
  }

  async getConversationById(id: string): Promise<Dm | Group | undefined> {
    return (await this.list()).find((c) => c.id === id);
  }

  /** The DM with this address (0x…); the existing one when there is one (one DM per pair of inboxes). */
  async createDm(identifier: string): Promise<Dm> {
    return conversationFrom(this.ctx, await this.ctx.rpc('xmtp_createDm', { identifier })) as Dm;
  }

  async createGroup(identifiers: readonly string[], options: CreateGroupOptions = {}): Promise<Group> {
    const group = await this.ctx.rpc('xmtp_createGroup', { identifiers: [...identifiers], ...options });
    return conversationFrom(this.ctx, group) as Group;
  }

  /**
   * Push-filter keys of every conversation this site sees (XMTP SDKs' conversations.hmacKeys()),
   * one entry per MLS group with its topic: what a push server needs to skip the user's own messages.
   */
  hmacKeys(): Promise<GroupHmacKeys[]> {
    return this.ctx.rpc('xmtp_hmacKeys', {});
  }

  /** Every new message this site may see, as it arrives. `return()` or `break` stops it. */
  streamAllMessages(options: EventStreamOptions<Message> = {}): EventStream<'message'> {
    return new EventStream(this.ctx.provider, 'message', options);
  }

  /** New conversations (and changes to known ones) this site may see. */
  stream(options: EventStreamOptions<never> = {}): AsyncIterableIterator<Dm | Group> {
    const events = new EventStream(this.ctx.provider, 'conversation', options.bufferLimit === undefined ? {} : { bufferLimit: options.bufferLimit });
    const ctx = this.ctx;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        const r = await events.next();
        return r.done ? r : { value: conversationFrom(ctx, r.value), done: false };
      },
      async return() {
        await events.return();
        return { value: undefined, done: true };
      },
    };
  }
}
