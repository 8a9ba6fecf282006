import type { SendableContent } from '../content';
import { ParleyError } from '../errors';
import { memberIdentifiers } from '../identity/associationState';
import { groupMetadataOf } from '../mls/extensionsGroupMetadata';
import { membershipOf } from '../mls/extensionsMembership';
import { EXTENSION_MUTABLE_METADATA, requireExtensionData } from '../mls/extensions';
import { decodeMutableMetadata, METADATA_FIELD, mutableMetadataOf } from '../mls/extensionsMutableMetadata';
import type { DisappearingSettings } from '../mls/groupContext';
import { permissionsOf } from '../mls/extensionsPermissions';
import { permissionsView, type AdminListAction, type PermissionsView, type PermissionUpdate } from '../mls/policyUpdate';
import { nsFromDate } from './bytes';
import { toDecodedMessage, type DecodedMessage } from './decodedMessage';
import { checkedDisappearingSettings, disappearingSettingsOf, expiredWindow, isDisappearingEnabled, isExpired } from './disappearingMessages';
import { sweepExpired } from './disappearingSweep';
import { dmGroupsOf, dmSendTarget, pairConsent } from './dmStitching';
import type { MessagingEngine, SendOptions } from './engine';
import type { IntentData } from './intentData';
import { groupLeaves } from './groupLeaves';
import { conversationHmacKeys, type HmacKeysByGroup } from './hmacKeys';
import type { GroupSession } from './groupSession';
import { resolveInboxIds } from './identifiers';
import { readHistory, type HistorySource } from './messageHistory';
import type { ConsentState, ConversationKind, MessageQuery, RefusedMessage } from './store';

/**
 * appData by the 0xff00 payload it was read from. The extension reads it for every conversation
 * on every list and message event, and the payload object changes only with a commit that
 * changes the group context's extensions, as for disappearingSettingsOf's cache.
 */
const appDataByPayload = new WeakMap<Uint8Array, string>();

export type PermissionLevel = 'member' | 'admin' | 'super_admin';

/** A member as @xmtp/node-sdk's GroupMember: one inbox with its addresses and installations. */
export interface ConversationMember {
  inboxId: string;
  accountIdentifiers: { identifier: string; identifierKind: 'Ethereum' }[];
  installationIds: string[];
  permissionLevel: PermissionLevel;
}

export interface ListMessagesOptions {
  limit?: number;
  beforeNs?: bigint;
  afterNs?: bigint;
  /** 'ascending' (default): oldest first. */
  direction?: 'ascending' | 'descending';
}

/**
 * One conversation (@xmtp/node-sdk Conversation): a thin handle whose calls go through the
 * engine, so two handles of one group never hold diverging state. Getters read the state the
 * engine holds in memory, loaded when the handle was made and updated by every sync.
 */
export abstract class Conversation {
  abstract readonly kind: ConversationKind;

  constructor(
    protected readonly engine: MessagingEngine,
    /** Hex MLS group id. */
    readonly id: string,
  ) {}

  protected get session(): GroupSession {
    const session = this.engine.peek(this.id);
    if (session === undefined) throw new ParleyError('Client.NotFound', 'The conversation is not loaded.', { details: this.id });
    return session;
  }

  get createdAtNs(): bigint {
    return this.session.record.createdAtNs;
  }

  get addedByInboxId(): string {
    return this.session.record.addedByInboxId;
  }

  /** False once this member has been removed: the conversation is then read-only. */
  get isActive(): boolean {
    return this.session.record.active;
  }

  get epoch(): bigint {
    return this.session.state.groupContext.epoch;
  }

  /**
   * The newest group messages this member refused (undecryptable, unauthenticated, or from a
   * sender removed before them), for diagnostics: they are never messages, streamed or counted.
   */
  get refusedMessages(): readonly RefusedMessage[] {
    return this.session.record.refused ?? [];
  }

  /** Encrypts and publishes a message; resolves with its id once the node took it. */
  send(content: SendableContent, options: SendOptions = {}): Promise<string> {
    return this.engine.send(this.id, content, options);
  }

  sendText(text: string, options: SendOptions = {}): Promise<string> {
    return this.send({ type: 'text', text }, options);
  }

  /**
   * Stored messages, oldest first unless asked otherwise (sync first for the newest); expired
   * disappearing messages are never returned, even before the sweep deletes them.
   */
  async messages(options: ListMessagesOptions = {}): Promise<DecodedMessage[]> {
    const query: MessageQuery = {};
    if (options.limit !== undefined) query.limit = options.limit;
    if (options.beforeNs !== undefined) query.beforeNs = options.beforeNs;
    if (options.afterNs !== undefined) query.afterNs = options.afterNs;
    if (options.direction !== undefined) query.direction = options.direction;
    const nowNs = nsFromDate(this.engine.ctx.now());
    const sources: HistorySource[] = [];
    for (const groupId of await this.historyGroupIds()) {
      const { state } = await this.engine.load(groupId);
      sources.push({ groupId, expired: expiredWindow(disappearingSettingsOf(state.groupContext.extensions), nowNs) });
    }
    const records = await readHistory(this.engine.ctx.store, sources, query);
    // Messages of a stitched DM's other groups show under this conversation's id.
    return Promise.all(records.map(async (record) => ({ ...(await toDecodedMessage(record)), conversationId: this.id })));
  }

  /**
   * One stored message of this conversation by id, read by key rather than by listing the
   * history; undefined when it is not this conversation's or has expired.
   */
  async message(messageId: string): Promise<DecodedMessage | undefined> {
    const record = await this.engine.ctx.store.getMessage(messageId);
    if (record === undefined || !(await this.historyGroupIds()).includes(record.groupId)) return undefined;
    const { state } = await this.engine.load(record.groupId);
    if (isExpired(record, expiredWindow(disappearingSettingsOf(state.groupContext.extensions), nsFromDate(this.engine.ctx.now())))) return undefined;
    return { ...(await toDecodedMessage(record)), conversationId: this.id };
  }

  /** The groups whose messages make up this conversation. */
  protected async historyGroupIds(): Promise<string[]> {
    return [this.id];
  }

  /** Publishes what is pending, applies new messages from the node and finishes pending changes; then deletes expired messages. */
  async sync(): Promise<void> {
    await this.engine.sync(this.id);
    await sweepExpired(this.engine, this.id);
  }

  /** The disappearing-message settings in the mutable metadata, when both are set (node-sdk messageDisappearingSettings). */
  messageDisappearingSettings(): DisappearingSettings | undefined {
    return disappearingSettingsOf(this.session.state.groupContext.extensions);
  }

  isMessageDisappearingEnabled(): boolean {
    return isDisappearingEnabled(this.messageDisappearingSettings());
  }

  /**
   * Messages sent from `fromNs` on disappear `inNs` after they were sent. Two metadata commits,
   * from then in, as libxmtp's update_conversation_message_disappearing_settings; in a group only
   * admins may (the default policy), in a DM either member.
   */
  async updateMessageDisappearingSettings(fromNs: bigint, inNs: bigint): Promise<void> {
    const settings = checkedDisappearingSettings(fromNs, inNs);
    for (const groupId of await this.settingsGroupIds()) {
      await this.engine.commit(groupId, { kind: 'updateMetadata', field: METADATA_FIELD.messageDisappearFromNs, value: settings.fromNs.toString() });
      await this.engine.commit(groupId, { kind: 'updateMetadata', field: METADATA_FIELD.messageDisappearInNs, value: settings.inNs.toString() });
    }
  }

  /** The groups a settings update goes to. */
  protected async settingsGroupIds(): Promise<string[]> {
    return [this.id];
  }

  /**
   * Replaces this installation's keys in the conversation now: an UpdatePath commit (libxmtp
   * key_update), after which a copy of our earlier state reads nothing new (post-compromise
   * security). The schedule (ClientOptions.keyRotation) does the same on its own.
   */
  async updateKeys(): Promise<void> {
    for (const groupId of await this.settingsGroupIds()) await this.engine.updateKeys(groupId);
  }

  /** Sets both values to 0, as libxmtp's remove_conversation_message_disappearing_settings. */
  removeMessageDisappearingSettings(): Promise<void> {
    return this.updateMessageDisappearingSettings(0n, 0n);
  }

  async members(): Promise<ConversationMember[]> {
    const { state } = this.session;
    const membership = membershipOf(state.groupContext.extensions);
    const metadata = mutableMetadataOf(state.groupContext.extensions);
    const installations = new Map<string, string[]>();
    for (const leaf of groupLeaves(state)) installations.set(leaf.inboxId, [...(installations.get(leaf.inboxId) ?? []), leaf.installationId]);
    const out: ConversationMember[] = [];
    for (const [inboxId, sequenceId] of membership.members) {
      const association = await this.engine.ctx.directory.stateAt(inboxId, sequenceId);
      out.push({
        inboxId,
        accountIdentifiers: (association === undefined ? [] : memberIdentifiers(association)).flatMap((id) =>
          id.kind === 'ethereum' ? [{ identifier: id.address.toLowerCase(), identifierKind: 'Ethereum' as const }] : [],
        ),
        installationIds: installations.get(inboxId) ?? [],
        permissionLevel: metadata.superAdminList.includes(inboxId) ? 'super_admin' : metadata.adminList.includes(inboxId) ? 'admin' : 'member',
      });
    }
    return out;
  }

  /**
   * The push-filter keys of the previous, current and next 30-day periods, by hex group id: this
   * group's and, for a DM, every duplicate group's (node-sdk conversation.hmacKeys()).
   */
  async hmacKeys(): Promise<HmacKeysByGroup> {
    const record = (await this.engine.ctx.store.getGroup(this.id)) ?? this.session.record;
    return conversationHmacKeys(this.engine.ctx.store, this.engine.hmacRootKey, record, this.engine.ctx.now());
  }

  /** Local consent: 'unknown' until the user decides; sending allows. */
  async consentState(): Promise<ConsentState> {
    return (await this.engine.ctx.store.getGroup(this.id))?.consentState ?? this.session.record.consentState;
  }

  protected attribute(key: string): string {
    return mutableMetadataOf(this.session.state.groupContext.extensions).attributes.get(key) ?? '';
  }

  /** App data of the mutable metadata (0xff00 `app_data`): a DM carries it too, set at creation. */
  get appData(): string {
    const payload = requireExtensionData(this.session.state.groupContext.extensions, EXTENSION_MUTABLE_METADATA);
    let appData = appDataByPayload.get(payload);
    if (appData === undefined) {
      appData = decodeMutableMetadata(payload).attributes.get(METADATA_FIELD.appData) ?? '';
      appDataByPayload.set(payload, appData);
    }
    return appData;
  }

  async updateConsentState(state: ConsentState): Promise<void> {
    const nowNs = this.engine.nowNs();
    await this.engine.updateRecord(this.id, (record) => ({ ...record, consentState: state, consentUpdatedAtNs: nowNs }));
  }
}

/** A two-member conversation with immutable membership (libxmtp ConversationType::Dm). */
export class Dm extends Conversation {
  readonly kind = 'dm' as const;

  /** Every group of this pair: duplicates (both sides created one at once) read as one conversation. */
  protected override async historyGroupIds(): Promise<string[]> {
    const dmId = this.session.record.dmId;
    if (dmId === undefined) return [this.id];
    const ids = (await dmGroupsOf(this.engine.ctx.store, dmId)).map((g) => g.id);
    return ids.includes(this.id) ? ids : [this.id, ...ids];
  }

  /**
   * Sends to the pair's group with the latest activity, as a fresh libxmtp lookup
   * (find_active_dm_group) would pick it, which may be another group than this handle's id.
   */
  override async send(content: SendableContent, options: SendOptions = {}): Promise<string> {
    const dmId = this.session.record.dmId;
    const target = dmId === undefined ? undefined : dmSendTarget(await dmGroupsOf(this.engine.ctx.store, dmId));
    return this.engine.send(target?.id ?? this.id, content, options);
  }

  /** Syncs every group of the pair, this one last (libxmtp MlsGroup::sync syncs the stitched DMs first). */
  override async sync(): Promise<void> {
    const dmId = this.session.record.dmId;
    const others = dmId === undefined ? [] : (await dmGroupsOf(this.engine.ctx.store, dmId)).filter((g) => g.active && g.id !== this.id);
    for (const other of others) {
      await this.engine.sync(other.id);
      await sweepExpired(this.engine, other.id);
    }
    await super.sync();
  }

  /**
   * Settings go to every active group of the pair, so that they hold whichever group the next
   * message goes to (libxmtp sets them on its handle's group only). They are read from this
   * handle's group; each group's messages expire under its own.
   */
  protected override async settingsGroupIds(): Promise<string[]> {
    const dmId = this.session.record.dmId;
    const others = dmId === undefined ? [] : (await dmGroupsOf(this.engine.ctx.store, dmId)).filter((g) => g.active && g.id !== this.id);
    return [this.id, ...others.map((g) => g.id)];
  }

  /** The pair's consent: the latest decision on any of its groups (libxmtp keeps DM consent per peer). */
  override async consentState(): Promise<ConsentState> {
    const dmId = this.session.record.dmId;
    return dmId === undefined ? super.consentState() : pairConsent(await dmGroupsOf(this.engine.ctx.store, dmId));
  }

  /** Decides for every group of the pair. */
  override async updateConsentState(state: ConsentState): Promise<void> {
    const dmId = this.session.record.dmId;
    const ids = dmId === undefined ? [this.id] : await this.historyGroupIds();
    for (const id of ids) {
      const nowNs = this.engine.nowNs();
      await this.engine.updateRecord(id, (record) => ({ ...record, consentState: state, consentUpdatedAtNs: nowNs }));
    }
  }

  /** The other member's inbox id, from the DM's immutable metadata. */
  peerInboxId(): string {
    const members = groupMetadataOf(this.session.state.groupContext.extensions).dmMembers;
    const own = this.engine.ctx.identity.inboxId;
    if (members === undefined) throw new ParleyError('Mls.MissingExtension', 'The DM has no member list.');
    return members.memberOne === own ? members.memberTwo : members.memberOne;
  }
}

/** A group conversation with mutable metadata and membership. */
export class Group extends Conversation {
  readonly kind = 'group' as const;

  get name(): string {
    return this.attribute(METADATA_FIELD.groupName);
  }

  get description(): string {
    return this.attribute(METADATA_FIELD.description);
  }

  get imageUrl(): string {
    return this.attribute(METADATA_FIELD.groupImageUrlSquare);
  }

  get adminInboxIds(): readonly string[] {
    return mutableMetadataOf(this.session.state.groupContext.extensions).adminList;
  }

  get superAdminInboxIds(): readonly string[] {
    return mutableMetadataOf(this.session.state.groupContext.extensions).superAdminList;
  }

  isAdmin(inboxId: string): boolean {
    return this.adminInboxIds.includes(inboxId);
  }

  isSuperAdmin(inboxId: string): boolean {
    return this.superAdminInboxIds.includes(inboxId);
  }

  /** The policies as options and the preset they match (node-sdk permissions()). */
  permissions(): PermissionsView {
    return permissionsView(permissionsOf(this.session.state.groupContext.extensions));
  }

  /** Admins and super admins are listed in 0xff00; by default only super admins change the lists. */
  addAdmin(inboxId: string): Promise<void> {
    return this.updateAdminList('addAdmin', inboxId);
  }

  removeAdmin(inboxId: string): Promise<void> {
    return this.updateAdminList('removeAdmin', inboxId);
  }

  addSuperAdmin(inboxId: string): Promise<void> {
    return this.updateAdminList('addSuperAdmin', inboxId);
  }

  /** Refused for the last super admin, so the group always keeps one. */
  removeSuperAdmin(inboxId: string): Promise<void> {
    return this.updateAdminList('removeSuperAdmin', inboxId);
  }

  private async updateAdminList(action: AdminListAction, inboxId: string): Promise<void> {
    // An admin who is not a member could never act; libxmtp would list it all the same.
    if ((action === 'addAdmin' || action === 'addSuperAdmin') && !membershipOf(this.session.state.groupContext.extensions).members.has(inboxId)) {
      throw new ParleyError('Group.BadPermissionUpdate', 'Only a member of the group can be made an admin.', { details: inboxId });
    }
    await this.engine.commit(this.id, { kind: 'updateAdminList', action, inboxId });
  }

  /**
   * Replaces one policy (libxmtp update_permission_policy): who may add or remove members, manage
   * admins, or change one attribute (`field`, required for 'updateMetadata'). Only super admins may.
   */
  updatePermission(change: PermissionUpdate): Promise<void> {
    const data: IntentData = { kind: 'updatePermission', update: change.update, option: change.option };
    if (change.field !== undefined) data.field = change.field;
    return this.engine.commit(this.id, data);
  }

  /** A GroupContextExtensions commit on 0xff00 (libxmtp update_group_name). */
  updateName(name: string): Promise<void> {
    return this.engine.commit(this.id, { kind: 'updateMetadata', field: METADATA_FIELD.groupName, value: name });
  }

  updateDescription(description: string): Promise<void> {
    return this.engine.commit(this.id, { kind: 'updateMetadata', field: METADATA_FIELD.description, value: description });
  }

  updateImageUrl(imageUrl: string): Promise<void> {
    return this.engine.commit(this.id, { kind: 'updateMetadata', field: METADATA_FIELD.groupImageUrlSquare, value: imageUrl });
  }

  updateAppData(appData: string): Promise<void> {
    return this.engine.commit(this.id, { kind: 'updateMetadata', field: METADATA_FIELD.appData, value: appData });
  }

  /** Adds members by address or inbox id: Add proposals + the membership GCE in one commit. */
  async addMembers(identifiers: readonly string[]): Promise<void> {
    await this.addMembersByInboxId(await resolveInboxIds(this.engine.ctx.directory, identifiers));
  }

  addMembersByInboxId(inboxIds: readonly string[]): Promise<void> {
    return this.engine.commit(this.id, { kind: 'updateMembership', addInboxIds: [...inboxIds], removeInboxIds: [] });
  }

  /** Removes members (all their installations) by address or inbox id. */
  async removeMembers(identifiers: readonly string[]): Promise<void> {
    await this.removeMembersByInboxId(await resolveInboxIds(this.engine.ctx.directory, identifiers));
  }

  removeMembersByInboxId(inboxIds: readonly string[]): Promise<void> {
    return this.engine.commit(this.id, { kind: 'updateMembership', addInboxIds: [], removeInboxIds: [...inboxIds] });
  }
}
