import type { SendableContent } from '../core/content/content';
import type {
  ConsentState,
  Conversation as ConversationData,
  GroupHmacKeys,
  GroupMetadataParams,
  GroupPermissions,
  Message,
  PermissionOption,
  PermissionUpdateType,
} from '../core/rpc/schema';
import type { EventStreamOptions } from './eventStream';
import { EventStream } from './eventStream';
import type { XmtpProvider } from './provider';
import type { Rpc } from './rpc';

/** What a conversation object needs to reach the extension. */
export interface SdkContext {
  rpc: Rpc;
  provider: XmtpProvider;
}

export interface MessagesOptions {
  limit?: number;
  /** Only messages sent before this time (decimal nanoseconds). */
  beforeNs?: string;
}

/**
 * A conversation as XMTP SDKs present one (`sendText`, `send`, `messages`, `updateConsentState`).
 * Its fields are a snapshot: calls that change the conversation refresh them from the answer.
 */
export class Conversation {
  protected data: ConversationData;

  constructor(
    protected readonly ctx: SdkContext,
    data: ConversationData,
  ) {
    this.data = data;
  }

  get id(): string {
    return this.data.id;
  }

  get kind(): ConversationData['kind'] {
    return this.data.kind;
  }

  get createdAtNs(): bigint {
    return BigInt(this.data.createdAtNs);
  }

  get createdAt(): Date {
    return new Date(Number(this.createdAtNs / 1_000_000n));
  }

  get consentState(): ConsentState {
    return this.data.consentState;
  }

  get memberInboxIds(): readonly string[] {
    return this.data.memberInboxIds;
  }

  /** The wire snapshot, for code that wants plain JSON. */
  toJSON(): ConversationData {
    return { ...this.data, memberInboxIds: [...this.data.memberInboxIds] };
  }

  /** Sends `xmtp.org/text:1.0`; resolves to the message id (hex). */
  sendText(text: string): Promise<string> {
    return this.send({ type: 'text', text });
  }

  async send(content: SendableContent): Promise<string> {
    const { id } = await this.ctx.rpc('xmtp_sendMessage', { conversationId: this.id, content });
    return id;
  }

  /** Oldest first, newest last (DESIGN §4). */
  messages(options: MessagesOptions = {}): Promise<Message[]> {
    return this.ctx.rpc('xmtp_getMessages', { conversationId: this.id, ...options });
  }

  /** Push-filter keys of this conversation's groups (a DM's duplicate groups too), with their topics. */
  hmacKeys(): Promise<GroupHmacKeys[]> {
    return this.ctx.rpc('xmtp_hmacKeys', { conversationId: this.id });
  }

  async updateConsentState(state: 'allowed' | 'denied'): Promise<void> {
    await this.ctx.rpc('xmtp_setConsent', { conversationId: this.id, state });
    this.data = { ...this.data, consentState: state };
  }

  /**
   * Replaces the user's keys in this conversation now (an MLS self-update): whoever copied the
   * extension's state before reads nothing sent after. The extension also does it on a schedule.
   */
  async updateKeys(): Promise<void> {
    await this.ctx.rpc('xmtp_updateKeys', { conversationId: this.id });
  }

  /** New messages of this conversation only. */
  streamMessages(options: Omit<EventStreamOptions<Message>, 'filter'> = {}): EventStream<'message'> {
    return new EventStream(this.ctx.provider, 'message', { ...options, filter: (m) => m.conversationId === this.id });
  }

  protected refresh(data: ConversationData): void {
    this.data = data;
  }
}

export class Dm extends Conversation {
  override get kind(): 'dm' {
    return 'dm';
  }

  /** The other member's inbox id. */
  get peerInboxId(): string {
    return this.data.peerInboxId ?? this.data.memberInboxIds[0] ?? '';
  }
}

export class Group extends Conversation {
  override get kind(): 'group' {
    return 'group';
  }

  get name(): string {
    return this.data.name ?? '';
  }

  get description(): string {
    return this.data.description ?? '';
  }

  get imageUrl(): string {
    return this.data.imageUrl ?? '';
  }

  updateName(name: string): Promise<void> {
    return this.update({ name });
  }

  updateDescription(description: string): Promise<void> {
    return this.update({ description });
  }

  updateImageUrl(imageUrl: string): Promise<void> {
    return this.update({ imageUrl });
  }

  /** Adds members by address (0x…). */
  async addMembers(identifiers: readonly string[]): Promise<void> {
    this.refresh(await this.ctx.rpc('xmtp_addMembers', { conversationId: this.id, identifiers: [...identifiers] }));
  }

  async removeMembers(identifiers: readonly string[]): Promise<void> {
    this.refresh(await this.ctx.rpc('xmtp_removeMembers', { conversationId: this.id, identifiers: [...identifiers] }));
  }

  /** Admins, super admins and every policy, read fresh (node-sdk listAdmins, listSuperAdmins, permissions()). */
  permissions(): Promise<GroupPermissions> {
    return this.ctx.rpc('xmtp_groupPermissions', { conversationId: this.id });
  }

  /**
   * Role changes by inbox id. A member without the right gets an XmtpRpcError with
   * `parleyCode` 'Group.PermissionDenied' (code -32602) before anything is sent.
   */
  addAdmin(inboxId: string): Promise<GroupPermissions> {
    return this.ctx.rpc('xmtp_addAdmin', { conversationId: this.id, inboxId });
  }

  removeAdmin(inboxId: string): Promise<GroupPermissions> {
    return this.ctx.rpc('xmtp_removeAdmin', { conversationId: this.id, inboxId });
  }

  addSuperAdmin(inboxId: string): Promise<GroupPermissions> {
    return this.ctx.rpc('xmtp_addSuperAdmin', { conversationId: this.id, inboxId });
  }

  removeSuperAdmin(inboxId: string): Promise<GroupPermissions> {
    return this.ctx.rpc('xmtp_removeSuperAdmin', { conversationId: this.id, inboxId });
  }

  /** Replaces one policy; `field` names the attribute for 'updateMetadata'. Super admins only. */
  updatePermission(update: PermissionUpdateType, option: PermissionOption, field?: string): Promise<GroupPermissions> {
    return this.ctx.rpc('xmtp_updatePermission', { conversationId: this.id, update, option, ...(field === undefined ? {} : { field }) });
  }

  private async update(change: GroupMetadataParams): Promise<void> {
    this.refresh(await this.ctx.rpc('xmtp_updateGroup', { conversationId: this.id, ...change }));
  }
}

export function conversationFrom(ctx: SdkContext, data: ConversationData): Dm | Group {
  return data.kind === 'dm' ? new Dm(ctx, data) : new Group(ctx, data);
}
