import { SortDirection, type WelcomeMessage } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { createApplicationMessage, createGroup, encodeMlsMessage } from 'ts-mls';
import type { Extension } from 'ts-mls';
import { applicationMessageId, contentTypeIdToString, encodeContent, encodeEncodedContent, encodePlaintextEnvelope, idempotencyKeyFromNs, type SendableContent } from '../content';
import { ParleyError, isParleyError } from '../errors';
import { groupMetadataOf } from '../mls/extensionsGroupMetadata';
import { membershipOf } from '../mls/extensionsMembership';
import { createXmtpKeyPackage } from '../mls/keyPackage';
import { withApplicationPadding } from '../mls/padding';
import { buildCommit } from './buildCommit';
import { fromHex, nsFromDate, toHex } from './bytes';
import type { ClientContext } from './clientContext';
import { validateInitialMembership } from './commitValidation';
import { recordDisappearingSettings } from './disappearingMessages';
import { toDecodedMessage, type DecodedMessage } from './decodedMessage';
import type { GroupSession } from './groupSession';
import { groupStateOps, loadGroupState, stagedStateRecord, xmtpClientConfig } from './groupState';
import { decodeIntentData, decodePostCommit, encodeIntentData, encodePostCommit, type IntentData } from './intentData';
import { newKeyPackage, retireKeyPackagesOps } from './keyPackages';
import { checkedHmacRootKey, hmacRootKeyOf } from './hmacRoot';
import { DEFAULT_KEY_ROTATION, keyRotationDue, withKeysRotated, type KeyRotationPolicy } from './keyRotation';
import { groupUpdatedRecord } from './messageRecords';
import { KeyedMutex } from './mutex';
import { envelopeOf, receiveMessages, type GroupEnvelope } from './receiveMessages';
import { hmacEpoch, senderHmac, senderHmacKey } from './senderHmac';
import type { ConversationKind, GroupRecord, IntentRecord, MessageRecord, StoreOp } from './store';
import { openWelcome, sendWelcomes } from './welcomes';

/** How often a group's members are checked for new installations (libxmtp SYNC_/SEND_MESSAGE_UPDATE_INSTALLATIONS_INTERVAL_NS). */
export interface InstallationCheckIntervals {
  syncNs: bigint;
  sendNs: bigint;
}

export const DEFAULT_INSTALLATION_CHECK_INTERVALS: InstallationCheckIntervals = {
  syncNs: 30n * 60n * 1_000_000_000n,
  sendNs: 5n * 1_000_000_000n,
};

/** libxmtp pages group and welcome queries by 100 (MAX_PAGE_SIZE). */
/** How a message is sent. */
export interface SendOptions {
  /**
   * The message's idempotency key, a nanosecond timestamp (libxmtp's `now_ns`), chosen by the
   * caller so that a retry of the same content with the same key is the same message: sent once,
   * its id returned again. Without it each send is a new message.
   */
  idempotencyKeyNs?: bigint;
}

const PAGE_SIZE = 100;
/** How often a commit is rebuilt after losing its epoch before the intent fails. */
export const MAX_COMMIT_ATTEMPTS = 5;
/** How often one published commit is re-sent while the node does not show it back. */
const MAX_REPUBLISH = 3;

const WELCOME_CURSOR = 'welcomes';

/**
 * The messaging engine behind Client, Conversations and Conversation: it owns the in-memory group
 * sessions and runs every change to a group under that group's mutex, persisting each step as
 * one store batch before anything leaves (DESIGN §3: the new state is stored before its
 * ciphertext is sent).
 */
export class MessagingEngine {
  private readonly sessions = new Map<string, GroupSession>();
  private readonly mutex = new KeyedMutex();
  private readonly hmacKeys = new Map<string, { period: bigint; key: Uint8Array }>();
  private lastNs = 0n;
  /** When each group's members' identity logs were last checked for new or revoked installations. */
  private readonly installationsCheckedAtNs = new Map<string, bigint>();
  /** Where a failed scheduled self-update is reported (the Client's onError): it never fails the send or sync it rode on. */
  reportError: (error: unknown) => void = () => {};

  constructor(
    readonly ctx: ClientContext,
    private readonly intervals: InstallationCheckIntervals = DEFAULT_INSTALLATION_CHECK_INTERVALS,
    private readonly rotation: KeyRotationPolicy = DEFAULT_KEY_ROTATION,
  ) {}

  /** The root of this identity's push-filter keys (libxmtp user_preferences.hmac_key). */
  get hmacRootKey(): Uint8Array {
    return hmacRootKeyOf(this.ctx.identity);
  }

  /** Stores a new push-filter root with the identity (e.g. one the user's other installations use). */
  async setHmacRootKey(root: Uint8Array): Promise<void> {
    const identity = { ...this.ctx.identity, hmacRootKey: checkedHmacRootKey(root).slice() };
    await this.ctx.store.commit([{ op: 'putIdentity', record: identity }]);
    this.ctx.identity = identity;
    for (const { key } of this.hmacKeys.values()) key.fill(0);
    this.hmacKeys.clear();
  }

  /** Nanoseconds, strictly increasing within this engine (idempotency keys must differ). */
  nowNs(): bigint {
    const now = nsFromDate(this.ctx.now());
    this.lastNs = now > this.lastNs ? now : this.lastNs + 1n;
    return this.lastNs;
  }

  /** Runs `task` with the group's session under the group's mutex. */
  withGroup<T>(groupId: string, task: (session: GroupSession) => Promise<T>): Promise<T> {
    return this.mutex.run(groupId, async () => task(await this.load(groupId)));
  }

  /** The session of a group, decoded from the store once and then kept. */
  async load(groupId: string): Promise<GroupSession> {
    const cached = this.sessions.get(groupId);
    if (cached !== undefined) return cached;
    const [record, loaded, intents] = await Promise.all([
      this.ctx.store.getGroup(groupId),
      loadGroupState(this.ctx.store, groupId),
      this.ctx.store.listIntents(groupId),
    ]);
    if (record === undefined || loaded === undefined) {
      throw new ParleyError('Client.NotFound', 'No conversation with this id.', { details: groupId });
    }
    const session: GroupSession = { record, state: loaded.state, intents, persisted: loaded.persisted };
    this.sessions.set(groupId, session);
    return session;
  }

  private async save(previous: GroupSession, next: GroupSession, ops: StoreOp[]): Promise<GroupSession> {
    try {
      await this.ctx.store.commit(ops);
    } catch (e) {
      this.sessions.delete(previous.record.id);
      throw e;
    }
    this.sessions.set(next.record.id, next);
    return next;
  }

  /** The session if it is loaded, without touching the store (for synchronous getters). */
  peek(groupId: string): GroupSession | undefined {
    return this.sessions.get(groupId);
  }

  /**
   * Reports stored messages; `isNew` is false for a change of one already reported (a
   * confirmation). `known` holds those whose content is already decoded.
   */
  private async emitMessages(records: readonly MessageRecord[], isNew = true, known?: ReadonlyMap<MessageRecord, DecodedMessage>): Promise<void> {
    for (const record of records) {
      const own = record.senderInstallationId === this.ctx.installationId && record.kind === 'application';
      this.ctx.events.message(known?.get(record) ?? (await toDecodedMessage(record)), isNew && !(own && record.sequenceId !== undefined));
    }
  }

  // ---- creating groups -------------------------------------------------------------------------

  /** A new group with us as its only member (libxmtp create_and_insert / create_dm_and_insert). */
  async createLocalGroup(kind: ConversationKind, extensions: Extension[], dmId?: string): Promise<GroupRecord> {
    const { ctx } = this;
    const groupId = crypto.getRandomValues(new Uint8Array(16));
    const ownKeyPackage = await createXmtpKeyPackage({
      inboxId: ctx.identity.inboxId,
      installationKey: { privateKey: ctx.identity.installationPrivateKey, publicKey: ctx.identity.installationPublicKey },
      now: ctx.now(),
    });
    const state = await createGroup(groupId, ownKeyPackage.keyPackage, ownKeyPackage.privatePackage, extensions, ctx.cs, xmtpClientConfig());
    const nowNs = this.nowNs();
    const record: GroupRecord = {
      id: toHex(groupId),
      kind,
      createdAtNs: nowNs,
      addedByInboxId: ctx.identity.inboxId,
      consentState: 'allowed',
      consentUpdatedAtNs: nowNs,
      membershipState: 'allowed',
      active: true,
      cursor: 0n,
      lastMessageAtNs: nowNs,
      // The creator's leaf is fresh, made for this group alone.
      keysRotatedAtNs: nowNs,
      sentSinceKeyRotation: 0,
    };
    if (dmId !== undefined) record.dmId = dmId;
    recordDisappearingSettings(record, state.groupContext.extensions);
    const written = groupStateOps(record.id, state);
    const session: GroupSession = { record, state, intents: [], persisted: written.persisted };
    await this.ctx.store.commit([{ op: 'putGroup', record }, ...written.ops]);
    this.sessions.set(record.id, session);
    ctx.events.conversation(record.id);
    return record;
  }

  async updateRecord(groupId: string, change: (record: GroupRecord, session: GroupSession) => GroupRecord): Promise<GroupRecord> {
    return this.withGroup(groupId, async (session) => {
      const record = change({ ...session.record }, session);
      await this.save(session, { ...session, record }, [{ op: 'putGroup', record }]);
      return record;
    });
  }

  // ---- sending -------------------------------------------------------------------------------

  /**
   * Encrypts and publishes one application message (libxmtp send_message): the optimistic record
   * (unpublished), the new state and the intent with the wire bytes go to the store in one batch
   * before the bytes leave; then the record becomes published. The next sync that sees the
   * message on the node sets its node id and timestamp.
   */
  async send(groupId: string, content: SendableContent, options: SendOptions = {}): Promise<string> {
    const { ctx } = this;
    return this.withGroup(groupId, async (start) => {
      let session = start;
      const sentAtNs = options.idempotencyKeyNs ?? this.nowNs();
      const idempotencyKey = idempotencyKeyFromNs(sentAtNs);
      const encoded = encodeContent(content);
      const contentBytes = encodeEncodedContent(encoded);
      const groupIdBytes = fromHex(groupId);
      const messageId = toHex(applicationMessageId(groupIdBytes, contentBytes, idempotencyKey));
      if (options.idempotencyKeyNs !== undefined && (await ctx.store.getMessage(messageId)) !== undefined) {
        return this.finishRetriedSend(session, messageId);
      }
      if (!session.record.active || session.state.groupActiveState.kind !== 'active') {
        throw new ParleyError('Client.NotActive', 'This member can no longer send to the conversation.', { details: groupId });
      }
      session = await this.publishStoredSends(session);
      session = await this.maybeUpdateInstallations(session, this.intervals.sendNs);
      // libxmtp queues a key update before a send once the interval passed (intents/queue.rs
      // maybe_insert_key_update_intent); Parley also counts the messages sent since.
      if (keyRotationDue(session.record, this.rotation, nsFromDate(ctx.now()), true)) session = await this.scheduledSelfUpdate(session);
      const plaintext = encodePlaintextEnvelope(contentBytes, idempotencyKey);
      const padded = withApplicationPadding(session.state, plaintext.length, ctx.padding);
      const sent = await createApplicationMessage(padded, plaintext, ctx.cs);
      const { privateMessage, consumed } = sent;
      const newState = { ...sent.newState, clientConfig: session.state.clientConfig };
      const payload = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
      const message: MessageRecord = {
        id: messageId,
        groupId,
        kind: 'application',
        senderInboxId: ctx.identity.inboxId,
        senderInstallationId: ctx.installationId,
        sentAtNs,
        content: contentBytes,
        contentType: encoded.type === undefined ? '' : contentTypeIdToString(encoded.type),
        deliveryStatus: 'unpublished',
      };
      const intent: IntentRecord = {
        id: `m-${messageId}`,
        groupId,
        kind: 'sendMessage',
        state: 'toPublish',
        data: encodeIntentData({ kind: 'sendMessage' }),
        payload,
        publishedInEpoch: newState.groupContext.epoch,
        messageId,
        attempts: 0,
        createdAtNs: sentAtNs,
      };
      // Sending implies consent (libxmtp send_message → update_consent_state(Allowed)).
      const record: GroupRecord = {
        ...session.record,
        lastMessageAtNs: sentAtNs,
        consentState: 'allowed',
        sentSinceKeyRotation: (session.record.sentSinceKeyRotation ?? 0) + 1,
      };
      if (session.record.consentState !== 'allowed') record.consentUpdatedAtNs = sentAtNs;
      const written = groupStateOps(groupId, newState, session.persisted);
      const current = await this.save(session, { record, state: newState, intents: [...session.intents, intent], persisted: written.persisted }, [
        ...written.ops,
        { op: 'putGroup', record },
        { op: 'putMessage', record: message },
        { op: 'putIntent', record: intent },
      ]);
      for (const key of consumed) key.fill(0);
      // Decoded once for both reports: the published one differs only in its delivery status.
      const shown = await toDecodedMessage(message);
      ctx.events.message(shown, true);
      await this.publish(groupIdBytes, payload);
      const published: MessageRecord = { ...message, deliveryStatus: 'published' };
      const sentIntent: IntentRecord = { ...intent, state: 'published', attempts: 1 };
      await this.save(current, { ...current, intents: current.intents.map((i) => (i.id === intent.id ? sentIntent : i)) }, [
        { op: 'putMessage', record: published },
        { op: 'putIntent', record: sentIntent },
      ]);
      ctx.events.message({ ...shown, deliveryStatus: 'published' }, false);
      return messageId;
    });
  }

  /**
   * A send retried with the idempotency key of one already stored (its sender lost the answer):
   * the stored message is the answer, its bytes published again only if they never were.
   */
  private async finishRetriedSend(session: GroupSession, messageId: string): Promise<string> {
    const intent = session.intents.find((i) => i.id === `m-${messageId}`);
    if (intent?.state === 'toPublish' && intent.payload !== undefined) await this.publishStoredSend(session, intent, intent.payload);
    return messageId;
  }

  /**
   * Before a new message: the group's stored messages whose bytes never got out (the worker was
   * stopped, or the network failed, mid-send), oldest first, so the new one cannot overtake them
   * (libxmtp's publish_intents sends a group's ToPublish intents in order before a new one).
   */
  private async publishStoredSends(start: GroupSession): Promise<GroupSession> {
    let session = start;
    for (const intent of start.intents) {
      if (intent.kind !== 'sendMessage' || intent.state !== 'toPublish' || intent.payload === undefined) continue;
      try {
        session = await this.publishStoredSend(session, intent, intent.payload);
      } catch (e) {
        // Bytes the node refuses will never go out: that message failed, and must not block the group.
        if (!isParleyError(e) || e.code !== 'Client.PublishFailed') throw e;
        session = await this.settleStoredSend(session, intent, 'failed');
      }
    }
    return session;
  }

  /** A stored message's identical bytes again; then it and its intent are published. */
  private async publishStoredSend(session: GroupSession, intent: IntentRecord, payload: Uint8Array): Promise<GroupSession> {
    await this.publish(fromHex(session.record.id), payload);
    return this.settleStoredSend(session, intent, 'published');
  }

  /** Records how a stored send ended: published, or failed for good (the node refused its bytes). */
  private async settleStoredSend(session: GroupSession, intent: IntentRecord, outcome: 'published' | 'failed'): Promise<GroupSession> {
    const message = intent.messageId === undefined ? undefined : await this.ctx.store.getMessage(intent.messageId);
    const settled: IntentRecord = { ...intent, state: outcome === 'published' ? 'published' : 'error', attempts: intent.attempts + 1 };
    return this.save(session, { ...session, intents: session.intents.map((i) => (i.id === intent.id ? settled : i)) }, [
      ...(message?.deliveryStatus === 'unpublished' ? [{ op: 'putMessage' as const, record: { ...message, deliveryStatus: outcome } }] : []),
      { op: 'putIntent', record: settled },
    ]);
  }

  private async publish(groupId: Uint8Array, payload: Uint8Array): Promise<void> {
    const key = this.senderHmacKeyFor(groupId);
    try {
      await this.ctx.api.sendGroupMessages({ messages: [{ v1: { data: payload, senderHmac: senderHmac(key, payload), shouldPush: true } }] });
    } catch (cause) {
      if (isParleyError(cause) && cause.code === 'Api.InvalidArgument') {
        throw new ParleyError('Client.PublishFailed', 'The node refused the message.', { details: cause.shortMessage, cause });
      }
      throw cause;
    }
  }

  /** The group's sender-HMAC key for the current 30-day period, derived once per period (an HKDF per send was a tenth of a send). */
  private senderHmacKeyFor(groupId: Uint8Array): Uint8Array {
    const period = hmacEpoch(this.ctx.now());
    const groupHex = toHex(groupId);
    const cached = this.hmacKeys.get(groupHex);
    if (cached !== undefined && cached.period === period) return cached.key;
    cached?.key.fill(0);
    const key = senderHmacKey(this.hmacRootKey, groupId, period);
    this.hmacKeys.set(groupHex, { period, key });
    return key;
  }

  // ---- receiving -----------------------------------------------------------------------------

  /** Syncs one group: publishes what is pending, applies new messages, resumes intents. */
  async sync(groupId: string): Promise<void> {
    await this.withGroup(groupId, async (session) => {
      await this.republishMessages(session);
      let current = await this.pull(session);
      for (const intent of current.intents) {
        if (intent.kind !== 'sendMessage') current = await this.runIntent(current, intent.id);
      }
      current = await this.maybeUpdateInstallations(current, this.intervals.syncNs);
      // A member who only reads rotates too, but only where the user said yes: in an unknown
      // group a periodic commit would tell its sender this installation is alive.
      if (current.record.active && current.record.consentState === 'allowed' && keyRotationDue(current.record, this.rotation, nsFromDate(this.ctx.now()), false)) {
        await this.scheduledSelfUpdate(current);
      }
    });
  }

  /** Applies envelopes a subscription delivered (in order; those already applied are skipped). */
  async receive(groupId: string, envelopes: readonly GroupEnvelope[]): Promise<void> {
    await this.withGroup(groupId, async (session) => {
      await this.apply(session, envelopes);
    });
  }

  /** Re-sends message payloads a crash or a network failure left unconfirmed (identical bytes). */
  private async republishMessages(session: GroupSession): Promise<void> {
    for (const intent of session.intents) {
      if (intent.kind === 'sendMessage' && intent.payload !== undefined && intent.state === 'toPublish') {
        await this.publish(fromHex(session.record.id), intent.payload);
      }
    }
  }

  /** Fetches and applies every group message after the session's cursor, page by page. */
  private async pull(start: GroupSession): Promise<GroupSession> {
    let session = start;
    const groupId = fromHex(session.record.id);
    for (;;) {
      if (!session.record.active) return session;
      const response = await this.ctx.api.queryGroupMessages({
        groupId,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: PAGE_SIZE, idCursor: Long.fromBigInt(session.record.cursor, true) },
      });
      const envelopes = response.messages.map(envelopeOf).filter((e): e is GroupEnvelope => e !== undefined);
      const before = session.record.cursor;
      session = await this.apply(session, envelopes);
      if (envelopes.length < PAGE_SIZE || session.record.cursor === before) return session;
    }
  }

  private async apply(session: GroupSession, envelopes: readonly GroupEnvelope[]): Promise<GroupSession> {
    if (envelopes.length === 0) return session;
    const result = await receiveMessages(this.ctx, session, envelopes);
    let current = await this.save(session, result.session, result.ops);
    await this.emitMessages(result.messages, true, result.decoded);
    for (const accepted of result.acceptedCommits) current = await this.finishCommitted(current, accepted);
    return current;
  }

  /** After our commit is accepted: its welcomes go out, then the intent is done (and our keys' age restarts when it replaced them). */
  private async finishCommitted(session: GroupSession, intent: IntentRecord): Promise<GroupSession> {
    const post = intent.postCommit === undefined ? undefined : decodePostCommit(intent.postCommit);
    if (post !== undefined) await sendWelcomes(this.ctx.api, post);
    const record = post?.rotatesLeaf === true ? withKeysRotated(session.record, nsFromDate(this.ctx.now())) : session.record;
    return this.save(session, { ...session, record, intents: session.intents.filter((i) => i.id !== intent.id) }, [
      ...(record === session.record ? [] : [{ op: 'putGroup' as const, record }]),
      { op: 'deleteIntent', intentId: intent.id },
    ]);
  }

  // ---- key rotation (post-compromise security) ---------------------------------------------

  /** An UpdatePath commit that replaces our leaf and path keys in the group (libxmtp key_update), on the newest epoch. */
  async updateKeys(groupId: string): Promise<void> {
    await this.commit(groupId, { kind: 'keyUpdate' });
  }

  /**
   * A self-update the schedule asked for: pulled first so it is built on the newest epoch. Its
   * failure is reported, not thrown: the group stays due and the next send or sync tries again.
   */
  private async scheduledSelfUpdate(session: GroupSession): Promise<GroupSession> {
    try {
      return await this.queueAndRun(await this.pull(session), { kind: 'keyUpdate' });
    } catch (e) {
      this.reportError(e);
      return this.load(session.record.id);
    }
  }

  /**
   * After joining groups by welcome: a self-update in each, so that the leaf keys that came with
   * our key package (shared by every group joined with it until it rotated) protect none of them
   * for long. Not in denied groups; failures go to `onError`.
   */
  async selfUpdateJoined(groupIds: readonly string[], onError: (error: unknown) => void): Promise<void> {
    if (!this.rotation.afterWelcome) return;
    for (const groupId of groupIds) {
      try {
        await this.withGroup(groupId, async (session) => {
          const { record } = session;
          if (!record.active || record.consentState === 'denied' || !keyRotationDue(record, this.rotation, nsFromDate(this.ctx.now()), false)) return;
          await this.queueAndRun(await this.pull(session), { kind: 'keyUpdate' });
        });
      } catch (e) {
        onError(e);
      }
    }
  }

  /** A new key package once the newest is older than the policy's interval (libxmtp rotates every 30 days). */
  async maybeRotateKeyPackage(): Promise<void> {
    const current = (await this.ctx.store.listKeyPackages()).filter((k) => k.deleteAtNs === undefined);
    const newest = current.reduce((max, k) => (k.createdAtNs > max ? k.createdAtNs : max), 0n);
    if (nsFromDate(this.ctx.now()) - newest > this.rotation.keyPackageIntervalNs) await this.rotateKeyPackage();
  }

  // ---- commits -------------------------------------------------------------------------------

  /**
   * Queues a group change and runs it to the end (libxmtp queue intent + sync_until_intent_resolved):
   * built on the newest epoch, published, and applied when the node shows it back as the first
   * commit of its epoch; rebuilt when another commit won the epoch, at most MAX_COMMIT_ATTEMPTS
   * times.
   */
  async commit(groupId: string, data: IntentData): Promise<void> {
    await this.withGroup(groupId, async (session) => {
      if (!session.record.active) {
        throw new ParleyError('Client.NotActive', 'This member can no longer change the conversation.', { details: groupId });
      }
      await this.queueAndRun(await this.pull(session), data);
    });
  }

  private async queueAndRun(session: GroupSession, data: IntentData): Promise<GroupSession> {
    const intent: IntentRecord = {
      id: `c-${toHex(crypto.getRandomValues(new Uint8Array(16)))}`,
      groupId: session.record.id,
      kind: data.kind,
      state: 'toPublish',
      data: encodeIntentData(data),
      attempts: 0,
      createdAtNs: this.nowNs(),
    };
    const current = await this.save(session, { ...session, intents: [...session.intents, intent] }, [{ op: 'putIntent', record: intent }]);
    return this.runIntent(current, intent.id);
  }

  /**
   * libxmtp maybe_update_installations: at most once per interval, look for members whose
   * identity log moved past the group's membership map (a new installation, a revoked one) and
   * commit the update, so new installations of members join the group.
   */
  private async maybeUpdateInstallations(session: GroupSession, intervalNs: bigint): Promise<GroupSession> {
    const groupId = session.record.id;
    const nowNs = nsFromDate(this.ctx.now());
    const last = this.installationsCheckedAtNs.get(groupId);
    if (!session.record.active || (last !== undefined && nowNs - last <= intervalNs)) return session;
    this.installationsCheckedAtNs.set(groupId, nowNs);
    const members = membershipOf(session.state.groupContext.extensions).members;
    await this.ctx.directory.refresh([...members.keys()]);
    let stale = false;
    for (const [inboxId, sequenceId] of members) {
      if ((await this.ctx.directory.latestSequenceId(inboxId, false)) > sequenceId) stale = true;
    }
    if (!stale) return session;
    return this.queueAndRun(session, { kind: 'updateMembership', addInboxIds: [], removeInboxIds: [] });
  }

  private async runIntent(start: GroupSession, intentId: string): Promise<GroupSession> {
    let session = start;
    let republished = 0;
    for (;;) {
      const intent = session.intents.find((i) => i.id === intentId);
      if (intent === undefined) return session;
      if (intent.state === 'committed') return this.finishCommitted(session, intent);
      if (intent.state === 'error') return this.dropIntent(session, intent, new ParleyError('Client.PublishFailed', 'The change failed earlier.'));
      if (intent.state === 'published' && intent.payload !== undefined) {
        if (republished++ >= MAX_REPUBLISH) {
          throw new ParleyError('Client.PublishFailed', 'The node does not show the published commit.', { details: intentId });
        }
        await this.publish(fromHex(session.record.id), intent.payload);
        session = await this.pull(session);
        continue;
      }
      if (intent.attempts >= MAX_COMMIT_ATTEMPTS) {
        return this.dropIntent(
          session,
          intent,
          new ParleyError('Client.CommitRetriesExhausted', 'Other members’ commits kept winning; the change was not made.', {
            details: `${intent.kind} after ${intent.attempts} attempts`,
          }),
        );
      }
      let built;
      try {
        built = await buildCommit(this.ctx, session.state, decodeIntentData(intent.data));
      } catch (e) {
        return this.dropIntent(session, intent, e);
      }
      if (built === undefined) return this.dropIntent(session, intent);
      const published: IntentRecord = {
        ...intent,
        state: 'published',
        payload: built.payload,
        publishedInEpoch: session.state.groupContext.epoch,
        stagedState: stagedStateRecord(session.record.id, built.staged),
        postCommit: encodePostCommit(built.postCommit),
        attempts: intent.attempts + 1,
      };
      session = await this.save(session, { ...session, intents: session.intents.map((i) => (i.id === intentId ? published : i)) }, [
        { op: 'putIntent', record: published },
      ]);
      republished = 1;
      await this.publish(fromHex(session.record.id), built.payload);
      session = await this.pull(session);
    }
  }

  /** Removes an intent that cannot or need not go on; rethrows its error, if any. */
  private async dropIntent(session: GroupSession, intent: IntentRecord, error?: unknown): Promise<GroupSession> {
    const next = await this.save(session, { ...session, intents: session.intents.filter((i) => i.id !== intent.id) }, [
      { op: 'deleteIntent', intentId: intent.id },
    ]);
    if (error !== undefined) throw error;
    return next;
  }

  // ---- welcomes ------------------------------------------------------------------------------

  /**
   * Fetches the welcomes after our cursor and joins their groups (libxmtp welcome_sync.rs
   * sync_welcomes); a welcome that fails validation is skipped for good and reported. Rotates the
   * key package when any welcome arrived (libxmtp queue_key_rotation). Returns the new group ids.
   */
  async syncWelcomes(onError: (error: unknown) => void): Promise<string[]> {
    const { ctx } = this;
    const joined: string[] = [];
    let cursor = (await ctx.store.getCursor(WELCOME_CURSOR)) ?? 0n;
    let seen = 0;
    for (;;) {
      const response = await ctx.api.queryWelcomeMessages({
        installationKey: ctx.identity.installationPublicKey,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: PAGE_SIZE, idCursor: Long.fromBigInt(cursor, true) },
      });
      const before = cursor;
      for (const message of response.messages) {
        const result = await this.acceptWelcome(message, onError);
        if (result.id > cursor) cursor = result.id;
        if (result.groupId !== undefined) joined.push(result.groupId);
        seen++;
      }
      if (response.messages.length < PAGE_SIZE || cursor === before) break;
    }
    if (seen > 0) await this.rotateKeyPackage();
    else await this.maybeRotateKeyPackage();
    await this.selfUpdateJoined(joined, onError);
    return joined;
  }

  /** Processes one welcome; the cursor advances in the same batch whether it is joined or refused. */
  async acceptWelcome(message: WelcomeMessage, onError: (error: unknown) => void): Promise<{ id: bigint; groupId?: string }> {
    const { ctx } = this;
    const rawId = message.v1?.id ?? message.welcomePointer?.id;
    const id = rawId === undefined ? 0n : BigInt.asUintN(64, rawId.toBigInt());
    const cursor = (await ctx.store.getCursor(WELCOME_CURSOR)) ?? 0n;
    if (id <= cursor) return { id };
    const advance: StoreOp = { op: 'setCursor', key: WELCOME_CURSOR, value: id };
    let prepared;
    try {
      prepared = await this.prepareWelcome(message);
    } catch (e) {
      await ctx.store.commit([advance]);
      onError(e);
      return { id };
    }
    if (prepared === undefined) {
      await ctx.store.commit([advance]);
      return { id };
    }
    const { session, added } = prepared;
    await this.mutex.run(session.record.id, async () => {
      const written = groupStateOps(session.record.id, session.state);
      await ctx.store.commit([{ op: 'putGroup', record: session.record }, ...written.ops, { op: 'putMessage', record: added }, advance]);
      this.sessions.set(session.record.id, { ...session, persisted: written.persisted });
    });
    ctx.events.conversation(session.record.id);
    await this.emitMessages([added]);
    return { id, groupId: session.record.id };
  }

  private async prepareWelcome(message: WelcomeMessage): Promise<{ session: GroupSession; added: MessageRecord } | undefined> {
    const { ctx } = this;
    const opened = await openWelcome(ctx, message);
    const metadata = groupMetadataOf(opened.state.groupContext.extensions);
    if (metadata.conversationType !== 'group' && metadata.conversationType !== 'dm') return undefined;
    await validateInitialMembership(opened.state, ctx.directory);
    const groupId = toHex(opened.state.groupContext.groupId);
    let dmId: string | undefined;
    if (metadata.conversationType === 'dm') {
      const members = metadata.dmMembers;
      const own = ctx.identity.inboxId;
      if (members === undefined || (members.memberOne !== own && members.memberTwo !== own)) {
        throw new ParleyError('Mls.InvalidWelcome', 'A DM welcome must name this inbox as a member.', { details: groupId });
      }
      const peer = members.memberOne === own ? members.memberTwo : members.memberOne;
      if (opened.addedBy.inboxId !== peer) {
        throw new ParleyError('Mls.InvalidWelcome', 'A DM can only be joined from its other member.', { details: opened.addedBy.inboxId });
      }
      dmId = dmIdFor(own, peer);
    }
    const existing = this.sessions.get(groupId) ?? (await this.loadIfPresent(groupId));
    if (existing !== undefined && existing.record.active && opened.state.groupContext.epoch <= existing.state.groupContext.epoch) {
      return undefined;
    }
    const nowNs = this.nowNs();
    const record: GroupRecord = {
      id: groupId,
      kind: metadata.conversationType,
      createdAtNs: nowNs,
      addedByInboxId: opened.addedBy.inboxId,
      // As node-sdk: groups others add us to start unknown; our own (another installation's) allowed.
      consentState: metadata.creatorInboxId === ctx.identity.inboxId ? 'allowed' : (existing?.record.consentState ?? 'unknown'),
      consentUpdatedAtNs: nowNs,
      membershipState: 'pending',
      active: true,
      cursor: opened.messageCursor,
      welcomeId: opened.welcomeId,
      lastMessageAtNs: opened.createdNs,
      // Our leaf is the key package's: never rotated here (libxmtp: rotated_at_ns 0).
      keysRotatedAtNs: 0n,
      sentSinceKeyRotation: 0,
    };
    if (dmId !== undefined) record.dmId = dmId;
    recordDisappearingSettings(record, opened.state.groupContext.extensions);
    const added = groupUpdatedRecord({
      groupId,
      content: {
        type: 'groupUpdated',
        initiatedByInboxId: opened.addedBy.inboxId,
        addedInboxes: [ctx.identity.inboxId],
        removedInboxes: [],
        leftInboxes: [],
        metadataFieldChanges: [],
        addedAdminInboxes: [],
        removedAdminInboxes: [],
        addedSuperAdminInboxes: [],
        removedSuperAdminInboxes: [],
      },
      idempotencyKey: `${opened.createdNs}_welcome_added`,
      senderInboxId: opened.addedBy.inboxId,
      senderInstallationId: opened.addedBy.installationId,
      sentAtNs: opened.createdNs,
      sequenceId: opened.messageCursor,
    });
    return { session: { record, state: opened.state, intents: [] }, added };
  }

  private async loadIfPresent(groupId: string): Promise<GroupSession | undefined> {
    try {
      return await this.load(groupId);
    } catch (e) {
      if (isParleyError(e, 'Client.NotFound')) return undefined;
      throw e;
    }
  }

  /**
   * A new key package replaces the uploaded one (libxmtp rotate_and_upload_key_package): stored
   * first, uploaded, then the older ones are retired (kept 24 h for welcomes in flight).
   */
  async rotateKeyPackage(): Promise<void> {
    const { ctx } = this;
    const fresh = await newKeyPackage(ctx.identity, ctx.now());
    await ctx.store.commit([{ op: 'putKeyPackage', record: fresh.record }]);
    await ctx.api.uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: fresh.tls }, isInboxIdCredential: true });
    const retire = retireKeyPackagesOps(await ctx.store.listKeyPackages(), fresh.record.id, this.nowNs());
    if (retire.length > 0) await ctx.store.commit(retire);
  }
}

/** libxmtp DmMembers Display: `dm:` + both inbox ids, lowercased and sorted, joined by `:`. */
export function dmIdFor(a: string, b: string): string {
  return `dm:${[a.toLowerCase(), b.toLowerCase()].sort().join(':')}`;
}
