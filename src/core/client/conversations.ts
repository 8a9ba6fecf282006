import Long from 'long';
import { ParleyError, isParleyError } from '../errors';
import { newDmExtensions, newGroupExtensions, type DisappearingSettings } from '../mls/groupContext';
import { membershipOf } from '../mls/extensionsMembership';
import type { PolicySet } from '../mls/policies';
import { policySetForPreset, type PolicyPreset } from '../mls/policyUpdate';
import { fromHex, nsFromDate, toHex } from './bytes';
import type { ClientEvents } from './clientContext';
import { Dm, Group } from './conversation';
import type { DecodedMessage } from './decodedMessage';
import { checkedDisappearingSettings, disappearingSettingsOf, expiredWindow, isExpired } from './disappearingMessages';
import { DisappearingSweep } from './disappearingSweep';
import { dmAnchor, dmGroupsOf, dmLastActivityNs, dmSendTarget, effectiveConsent, pairConsent } from './dmStitching';
import { dmIdFor, type MessagingEngine } from './engine';
import { conversationsHmacKeys, type HmacKeysByGroup } from './hmacKeys';
import { identifierKind, resolveInboxIds } from './identifiers';
import { envelopeOf, type GroupEnvelope } from './receiveMessages';
import type { ConsentState, ConversationKind, GroupRecord } from './store';
import { AsyncStream, sleep } from './stream';
import { applyInBatches } from './streamBatches';

/** At most one page of streamed messages per store commit (as a sync's page), and so many read ahead. */
const STREAM_BATCH = 100;
const STREAM_QUEUE = 1000;

export interface CreateGroupOptions {
  name?: string;
  description?: string;
  imageUrl?: string;
  appData?: string;
  /** Written into the new group's mutable metadata (node-sdk CreateGroupOptions). */
  messageDisappearingSettings?: DisappearingSettings;
  /** A preset ('default', XMTP's "All Members", or 'admin_only') or a whole policy set; default 'default'. */
  permissions?: PolicyPreset | PolicySet;
}

export interface CreateDmOptions {
  /** Written into a new DM's mutable metadata (e.g. the origin it was created on). */
  appData?: string;
  /** Written into a new DM's mutable metadata (node-sdk CreateDmOptions); an existing DM keeps its own. */
  messageDisappearingSettings?: DisappearingSettings;
}

export interface ListConversationsOptions {
  kind?: ConversationKind;
  consentStates?: readonly ConsentState[];
}

/** How far a syncAll is: groups synced of those it syncs. */
export interface SyncProgress {
  synced: number;
  total: number;
}

export interface StreamOptions {
  signal?: AbortSignal;
  kind?: ConversationKind;
  consentStates?: readonly ConsentState[];
}

/** Backoff between resubscriptions after a broken connection. */
const RETRY_MS = [100, 250, 500, 1000, 2000, 5000] as const;

/** Subscribers to the client's events; streams attach and detach here. */
export class EventHub implements ClientEvents {
  readonly messageListeners = new Set<(message: DecodedMessage, isNew: boolean) => void>();
  readonly conversationListeners = new Set<(groupId: string) => void>();

  message(message: DecodedMessage, isNew: boolean): void {
    for (const listener of this.messageListeners) listener(message, isNew);
  }

  conversation(groupId: string): void {
    for (const listener of this.conversationListeners) listener(groupId);
  }
}

/** A client's conversations (@xmtp/node-sdk Conversations). */
export class Conversations {
  /** Ends every stream when the client closes. */
  private readonly closing = new AbortController();
  /** Deletes expired disappearing messages: on syncAll and on its timer, stopped when the client closes. */
  readonly disappearingSweep: DisappearingSweep;

  constructor(
    private readonly engine: MessagingEngine,
    private readonly hub: EventHub,
    private readonly onError: (error: unknown) => void,
  ) {
    this.disappearingSweep = new DisappearingSweep(engine, onError);
    this.disappearingSweep.start();
  }

  private get ctx() {
    return this.engine.ctx;
  }

  /**
   * The one DM with a peer (address or inbox id): an existing DM with that inbox is reused (DMs
   * are one per pair, libxmtp find_or_create_dm); otherwise a new one is created with both inboxes
   * fixed in its immutable metadata and the peer added in the first commit. `appData` is set
   * only on a new DM (an existing one keeps what its creator wrote).
   */
  async createDm(identifier: string, options: CreateDmOptions = {}): Promise<Dm> {
    const [peerInboxId] = await resolveInboxIds(this.ctx.directory, [identifier]);
    if (peerInboxId === undefined) throw new ParleyError('Client.BadInput', 'No peer given.');
    const own = this.ctx.identity.inboxId;
    if (peerInboxId === own) throw new ParleyError('Client.BadInput', 'A DM needs another inbox.');
    const dmId = dmIdFor(own, peerInboxId);
    const pair = await dmGroupsOf(this.ctx.store, dmId);
    const existing = dmSendTarget(pair.filter((g) => g.active));
    if (existing !== undefined) {
      const members = membershipOf((await this.engine.load(existing.id)).state.groupContext.extensions).members;
      if (!members.has(peerInboxId)) await this.engine.commit(existing.id, { kind: 'updateMembership', addInboxIds: [peerInboxId], removeInboxIds: [] });
      return this.dmHandle(dmAnchor(pair)?.id ?? existing.id);
    }
    if ((await this.ctx.directory.latestSequenceId(peerInboxId)) === 0n) {
      throw new ParleyError('Client.NoInbox', 'The peer inbox has no identity on the network.', { details: peerInboxId });
    }
    const record = await this.engine.createLocalGroup(
      'dm',
      newDmExtensions({
        creatorInboxId: own,
        creatorSequenceId: 0n,
        peerInboxId,
        ...(options.appData !== undefined ? { appData: options.appData } : {}),
        ...(options.messageDisappearingSettings !== undefined ? { disappearing: checkedSettings(options.messageDisappearingSettings) } : {}),
      }),
      dmId,
    );
    await this.engine.commit(record.id, { kind: 'updateMembership', addInboxIds: [peerInboxId], removeInboxIds: [] });
    return new Dm(this.engine, record.id);
  }

  /** The DM with a peer inbox, if one is stored (node-sdk getDmByInboxId, libxmtp dm_group_from_target_inbox). */
  async getDmByInboxId(inboxId: string): Promise<Dm | undefined> {
    const own = this.ctx.identity.inboxId;
    if (inboxId.toLowerCase() === own.toLowerCase()) return undefined;
    const anchor = dmAnchor(await dmGroupsOf(this.ctx.store, dmIdFor(own, inboxId)));
    return anchor === undefined ? undefined : this.dmHandle(anchor.id);
  }

  private async dmHandle(groupId: string): Promise<Dm> {
    await this.engine.load(groupId);
    return new Dm(this.engine, groupId);
  }

  /** A group with us as super admin and the given members (addresses or inbox ids) added in one commit. */
  async createGroup(identifiers: readonly string[], options: CreateGroupOptions = {}): Promise<Group> {
    for (const id of identifiers) identifierKind(id);
    const inboxIds = await resolveInboxIds(this.ctx.directory, identifiers);
    const extensionsOptions: Parameters<typeof newGroupExtensions>[0] = { creatorInboxId: this.ctx.identity.inboxId, creatorSequenceId: 0n };
    if (options.name !== undefined) extensionsOptions.name = options.name;
    if (options.description !== undefined) extensionsOptions.description = options.description;
    if (options.imageUrl !== undefined) extensionsOptions.imageUrlSquare = options.imageUrl;
    if (options.appData !== undefined) extensionsOptions.appData = options.appData;
    if (options.messageDisappearingSettings !== undefined) extensionsOptions.disappearing = checkedSettings(options.messageDisappearingSettings);
    if (options.permissions !== undefined) {
      extensionsOptions.policies = typeof options.permissions === 'string' ? policySetForPreset(options.permissions) : options.permissions;
    }
    const record = await this.engine.createLocalGroup('group', newGroupExtensions(extensionsOptions));
    const others = inboxIds.filter((id) => id !== this.ctx.identity.inboxId);
    if (others.length > 0) await this.engine.commit(record.id, { kind: 'updateMembership', addInboxIds: others, removeInboxIds: [] });
    return new Group(this.engine, record.id);
  }

  /**
   * Stored conversations, newest activity first; one DM per peer (under its anchor's id, ordered by
   * the pair's latest activity), filtered by the pair's consent.
   */
  async list(options: ListConversationsOptions = {}): Promise<(Dm | Group)[]> {
    const records = await this.ctx.store.listGroups(options.kind === undefined ? {} : { kind: options.kind });
    const consent = effectiveConsent(records);
    const byDm = new Map<string, GroupRecord[]>();
    const candidates: { record: GroupRecord; activityNs: bigint }[] = [];
    for (const record of records) {
      if (record.kind === 'dm' && record.dmId !== undefined) byDm.set(record.dmId, [...(byDm.get(record.dmId) ?? []), record]);
      else candidates.push({ record, activityNs: record.lastMessageAtNs });
    }
    for (const pair of byDm.values()) {
      const anchor = dmAnchor(pair);
      if (anchor !== undefined) candidates.push({ record: anchor, activityNs: dmLastActivityNs(pair) });
    }
    const wanted = options.consentStates;
    const visible = wanted === undefined ? candidates : candidates.filter(({ record }) => wanted.includes(consent.get(record.id) ?? record.consentState));
    visible.sort((a, b) => (a.activityNs > b.activityNs ? -1 : a.activityNs < b.activityNs ? 1 : 0));
    const out: (Dm | Group)[] = [];
    for (const { record } of visible) out.push(await this.handle(record.id));
    return out;
  }

  /** A conversation by group id; any group of a DM pair gives the pair's DM (libxmtp stitched_group). */
  async getConversationById(id: string): Promise<Dm | Group | undefined> {
    try {
      const conversation = await this.handle(id);
      if (conversation.kind !== 'dm') return conversation;
      const anchor = await this.anchorIdOf(id);
      return anchor === id ? conversation : await this.handle(anchor);
    } catch (e) {
      if (isParleyError(e, 'Client.NotFound')) return undefined;
      throw e;
    }
  }

  /** The id of the DM a DM group belongs to (itself when it has no duplicates). */
  private async anchorIdOf(groupId: string): Promise<string> {
    const dmId = (await this.engine.load(groupId)).record.dmId;
    if (dmId === undefined) return groupId;
    return dmAnchor(await dmGroupsOf(this.ctx.store, dmId))?.id ?? groupId;
  }

  /** A handle for a stored group, its state loaded. */
  async handle(groupId: string): Promise<Dm | Group> {
    const session = await this.engine.load(groupId);
    return session.record.kind === 'dm' ? new Dm(this.engine, groupId) : new Group(this.engine, groupId);
  }

  /** Joins the groups of new welcomes (libxmtp sync_welcomes); returns them. */
  async sync(): Promise<(Dm | Group)[]> {
    const joined = await this.engine.syncWelcomes(this.onError);
    return Promise.all(joined.map((id) => this.handle(id)));
  }

  /**
   * The push-filter keys of every conversation for the previous, current and next 30-day periods,
   * by hex group id: duplicate DM groups included, denied conversations left out (node-sdk
   * conversations.hmacKeys()). A push server given them can tell which messages are the user's.
   */
  hmacKeys(): Promise<HmacKeysByGroup> {
    return conversationsHmacKeys(this.ctx.store, this.engine.hmacRootKey, this.ctx.now());
  }

  /**
   * Welcomes, then every active group (libxmtp sync_all_welcomes_and_groups); then expired
   * messages are deleted. `onProgress` hears how many of the groups are synced, after the
   * welcomes and after each group, so a long sync can show how far it is.
   */
  async syncAll(options: { consentStates?: readonly ConsentState[]; onProgress?: (progress: SyncProgress) => void } = {}): Promise<void> {
    await this.sync();
    const records = await this.ctx.store.listGroups();
    // A new duplicate of an allowed DM is synced with it: consent is the pair's.
    const consent = effectiveConsent(records);
    const wanted = options.consentStates;
    const toSync = records.filter((r) => r.active && (wanted === undefined || wanted.includes(consent.get(r.id) ?? r.consentState)));
    options.onProgress?.({ synced: 0, total: toSync.length });
    for (const [i, record] of toSync.entries()) {
      try {
        await this.engine.sync(record.id);
      } catch (e) {
        this.onError(e);
      }
      options.onProgress?.({ synced: i + 1, total: toSync.length });
    }
    try {
      await this.disappearingSweep.sweepAll();
    } catch (e) {
      this.onError(e);
    }
  }

  /**
   * New conversations as they appear: created here or joined from a welcome, which this stream
   * fetches itself over SubscribeWelcomeMessages, resubscribing from the cursor when the
   * connection breaks. Ends on `return()` or the signal.
   */
  stream(options: StreamOptions = {}): AsyncStream<Dm | Group> {
    const stream = new AsyncStream<Dm | Group>(this.streamSignal(options.signal));
    const stop = new AbortController();
    const listener = (groupId: string) => {
      void this.handle(groupId)
        .then(async (conversation) => {
          if (!matches(conversation.kind, options.kind)) return;
          // A duplicate of a DM already known is no new conversation: its messages join that DM.
          if (conversation.kind === 'dm' && (await this.anchorIdOf(groupId)) !== groupId) return;
          stream.push(conversation);
        })
        .catch((e: unknown) => this.onError(e));
    };
    this.hub.conversationListeners.add(listener);
    stream.finally(() => {
      this.hub.conversationListeners.delete(listener);
      stop.abort();
    });
    void this.keepSubscribed(stop.signal, (signal) => this.followWelcomes(signal));
    return stream;
  }

  /**
   * Every new message of every conversation, ours included, from the moment it starts: group
   * messages over SubscribeGroupMessages from each group's cursor and welcomes (whose groups then
   * join the subscription), all applied through the engine in order. Ends on `return()` or the
   * signal; resubscribes after a broken connection.
   */
  streamAllMessages(options: StreamOptions = {}): AsyncStream<DecodedMessage> {
    const stream = new AsyncStream<DecodedMessage>(this.streamSignal(options.signal));
    const stop = new AbortController();
    // Stitching reads the store: a chain keeps the messages in the order they were reported.
    let reported = Promise.resolve();
    const listener = (message: DecodedMessage, isNew: boolean) => {
      if (!isNew) return;
      const session = this.engine.peek(message.conversationId);
      const record = session?.record;
      if (record !== undefined && !matches(record.kind, options.kind)) return;
      const wanted = options.consentStates;
      if (record !== undefined && record.dmId === undefined && wanted !== undefined && !wanted.includes(record.consentState)) return;
      // A message that arrives already expired (synced late) is never shown, as messages() would not.
      if (session !== undefined && isExpired(message, expiredWindow(disappearingSettingsOf(session.state.groupContext.extensions), nsFromDate(this.ctx.now())))) return;
      if (record?.dmId === undefined) {
        reported = reported.then(() => stream.push(message));
        return;
      }
      // A duplicate DM's message shows under the pair's id, the one list() gives it,
      // and passes the consent filter by the pair's consent.
      const dmId = record.dmId;
      reported = reported
        .then(() => dmGroupsOf(this.ctx.store, dmId))
        .then(
          (pair) => {
            if (wanted !== undefined && !wanted.includes(pairConsent(pair))) return;
            const conversationId = dmAnchor(pair)?.id ?? message.conversationId;
            stream.push(conversationId === message.conversationId ? message : { ...message, conversationId });
          },
          (e: unknown) => {
            this.onError(e);
            // Without the pair its consent is unknown: a consent-filtered stream must not show a
            // message of a DM it may have denied (the store keeps it for messages()).
            if (wanted === undefined) stream.push(message);
          },
        );
    };
    this.hub.messageListeners.add(listener);
    stream.finally(() => {
      this.hub.messageListeners.delete(listener);
      stop.abort();
    });
    void this.keepSubscribed(stop.signal, (signal) => this.followEverything(signal));
    return stream;
  }

  /** Ends every stream and the sweep's timer (Client.close). */
  closeStreams(): void {
    this.closing.abort();
    this.disappearingSweep.stop();
  }

  private streamSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal]);
  }

  /** Runs `follow` until `stop`, starting it again after a failure (backing off) or a restart request. */
  private async keepSubscribed(stop: AbortSignal, follow: (signal: AbortSignal) => Promise<'restart' | 'ended'>): Promise<void> {
    let failures = 0;
    while (!stop.aborted) {
      const round = new AbortController();
      const abortRound = () => round.abort();
      stop.addEventListener('abort', abortRound, { once: true });
      try {
        const outcome = await follow(round.signal);
        if (outcome === 'restart') failures = 0;
        else if (!stop.aborted) await sleep(RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)] as number, stop);
      } catch (e) {
        if (stop.aborted) break;
        if (!isParleyError(e, 'Api.Cancelled')) this.onError(e);
        await sleep(RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)] as number, stop);
      } finally {
        stop.removeEventListener('abort', abortRound);
        round.abort();
      }
    }
  }

  private async followWelcomes(signal: AbortSignal): Promise<'restart' | 'ended'> {
    const cursor = (await this.ctx.store.getCursor('welcomes')) ?? 0n;
    const welcomes = this.ctx.api.subscribeWelcomeMessages(
      { filters: [{ installationKey: this.ctx.identity.installationPublicKey, idCursor: Long.fromBigInt(cursor, true) }] },
      { signal },
    );
    for await (const welcome of welcomes) {
      const joined = await this.engine.acceptWelcome(welcome, this.onError);
      if (joined.groupId !== undefined) {
        await this.engine.rotateKeyPackage();
        await this.engine.selfUpdateJoined([joined.groupId], this.onError);
      }
    }
    return 'ended';
  }

  private async followEverything(signal: AbortSignal): Promise<'restart' | 'ended'> {
    const restart = new AbortController();
    const both = AbortSignal.any([signal, restart.signal]);
    const groups = (await this.ctx.store.listGroups()).filter((g) => g.active);
    const onWelcomes = (async () => {
      const cursor = (await this.ctx.store.getCursor('welcomes')) ?? 0n;
      const welcomes = this.ctx.api.subscribeWelcomeMessages(
        { filters: [{ installationKey: this.ctx.identity.installationPublicKey, idCursor: Long.fromBigInt(cursor, true) }] },
        { signal: both },
      );
      for await (const welcome of welcomes) {
        const joined = await this.engine.acceptWelcome(welcome, this.onError);
        if (joined.groupId !== undefined) {
          await this.engine.rotateKeyPackage();
          await this.engine.selfUpdateJoined([joined.groupId], this.onError);
          restart.abort();
          return;
        }
      }
    })();
    const onGroups = (async () => {
      if (groups.length === 0) {
        await new Promise<void>((resolve) => both.addEventListener('abort', () => resolve(), { once: true }));
        return;
      }
      const messages = this.ctx.api.subscribeGroupMessages(
        { filters: groups.map((g) => ({ groupId: fromHex(g.id), idCursor: Long.fromBigInt(g.cursor, true) })) },
        { signal: both },
      );
      // Messages that arrive while others are applied are applied together: one store commit each batch.
      await applyInBatches(
        messages,
        (message) => (message.v1 === undefined ? undefined : toHex(message.v1.groupId)),
        (groupId, batch) => this.engine.receive(groupId, batch.map(envelopeOf).filter((e): e is GroupEnvelope => e !== undefined)),
        { maxBatch: STREAM_BATCH, maxQueued: STREAM_QUEUE },
      );
    })();
    // Local conversations join the subscription too (a restart picks them up).
    const onLocal = () => restart.abort();
    this.hub.conversationListeners.add(onLocal);
    try {
      await Promise.race([onWelcomes, onGroups]);
      if (restart.signal.aborted && !signal.aborted) {
        await Promise.allSettled([onWelcomes, onGroups]);
        return 'restart';
      }
      restart.abort();
      await Promise.allSettled([onWelcomes, onGroups]);
      return 'ended';
    } catch (e) {
      restart.abort();
      await Promise.allSettled([onWelcomes, onGroups]);
      if (restart.signal.aborted && !signal.aborted && isParleyError(e, 'Api.Cancelled')) return 'restart';
      throw e;
    } finally {
      this.hub.conversationListeners.delete(onLocal);
    }
  }
}

function matches(kind: ConversationKind, wanted: ConversationKind | undefined): boolean {
  return wanted === undefined || kind === wanted;
}

function checkedSettings(settings: DisappearingSettings): DisappearingSettings {
  return checkedDisappearingSettings(settings.fromNs, settings.inNs);
}
