import type { Client, DecodedMessage, Dm, Group } from '../../core/client';
import type { Content, ReactionAction } from '../../core/content/content';

/** A message whose content decoded: what handlers get. */
export type ReceivedMessage<C extends Content = Content> = DecodedMessage & { content: C };

/**
 * What a handler or middleware gets for one incoming message (in the shape of XMTP's agent SDK
 * `MessageContext`): the message, its conversation and the client, and replies that go to the
 * same conversation. `state` is for middleware to hand data to later handlers.
 */
export class MessageContext<C extends Content = Content> {
  readonly state = new Map<string, unknown>();

  constructor(
    readonly message: ReceivedMessage<C>,
    readonly conversation: Dm | Group,
    readonly client: Client,
  ) {}

  get senderInboxId(): string {
    return this.message.senderInboxId;
  }

  isDm(): this is MessageContext<C> & { conversation: Dm } {
    return this.conversation.kind === 'dm';
  }

  isGroup(): this is MessageContext<C> & { conversation: Group } {
    return this.conversation.kind === 'group';
  }

  /** The text of a text or markdown message; undefined for other content. */
  get text(): string | undefined {
    const { content } = this.message;
    if (content.type === 'text') return content.text;
    if (content.type === 'markdown') return content.markdown;
    return undefined;
  }

  /** The sender's account address (lowercase 0x), from its identity log. */
  getSenderAddress(): Promise<string | undefined> {
    return this.client.accountAddressOf(this.senderInboxId);
  }

  sendText(text: string): Promise<string> {
    return this.conversation.sendText(text);
  }

  sendMarkdown(markdown: string): Promise<string> {
    return this.conversation.send({ type: 'markdown', markdown });
  }

  /** A reply that quotes this message (XMTP's reply content type). */
  sendReply(text: string): Promise<string> {
    return this.conversation.send({ type: 'reply', reference: this.message.id, ...this.referenceInbox(), content: { type: 'text', text } });
  }

  /** A unicode reaction to this message. */
  sendReaction(emoji: string, action: ReactionAction = 'added'): Promise<string> {
    return this.conversation.send({ type: 'reaction', reference: this.message.id, ...this.referenceInbox(), action, schema: 'unicode', content: emoji });
  }

  /** Groups name the sender of the message referred to (libxmtp's reference_inbox_id). */
  private referenceInbox(): { referenceInboxId?: string } {
    return this.conversation.kind === 'group' ? { referenceInboxId: this.senderInboxId } : {};
  }
}
