import { RecoverableEd25519Signature } from '@xmtp/proto/identity/associations/signature.pb';
import type { GroupMessage, WelcomeMessage, WelcomeMessageInput } from '@xmtp/proto/mls/api/v1/mls.pb';
import { SortDirection } from '@xmtp/proto/mls/api/v1/mls.pb';
import { WelcomePointerWrapperAlgorithm } from '@xmtp/proto/mls/message_contents/welcome_pointer.pb';
import { WelcomeWrapperAlgorithm } from '@xmtp/proto/mls/message_contents/wrapper_encryption.pb';
import { ParleyError } from '../../core/errors';
import type Long from 'long';
import type { CallContext, NodeHandlers } from '../rpc/handlers';
import type { GroupMessageInput, GroupMessageRecord, WelcomeInput, WelcomeRecord } from '../storage/types';
import type { ServiceDeps } from './deps';
import { checkCommitLogEntry } from './commitLogEntry';
import { runSubscription, type SubscriptionSpec, type TopicRecord } from './subscription';
import { TopicFeed } from './topicFeed';
import { MAX_PAGE_SIZE, fromU64, groupMessageProto, pageFrom, pagingInfoFor, u64, welcomeProto } from './wire';

/** Batch caps (the 25 MiB payload cap bounds bytes; these bound per-item work). */
export const LIMITS = {
  groupMessagesPerSend: 1000,
  welcomesPerSend: 10_000,
  keyPackagesPerFetch: 10_000,
  groupsPerNewest: 10_000,
  // xmtp-node-go maxBatchInserts / maxBatchQueries: clients know these limits.
  commitLogPublishes: 10,
  commitLogQueries: 20,
} as const;

function invalid(message: string, details?: string): never {
  throw new ParleyError('Api.InvalidArgument', message, details === undefined ? {} : { details });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function welcomeInput(m: WelcomeMessageInput, i: number): WelcomeInput {
  if (m.v1) {
    const v = m.v1;
    if (v.installationKey.length === 0) invalid('A welcome message has no installation key.', `message ${i}`);
    if (v.data.length === 0) invalid('A welcome message has no data.', `message ${i}`);
    const symmetric = v.wrapperAlgorithm === WelcomeWrapperAlgorithm.WELCOME_WRAPPER_ALGORITHM_SYMMETRIC_KEY;
    const known =
      v.wrapperAlgorithm === WelcomeWrapperAlgorithm.WELCOME_WRAPPER_ALGORITHM_CURVE25519 ||
      v.wrapperAlgorithm === WelcomeWrapperAlgorithm.WELCOME_WRAPPER_ALGORITHM_XWING_MLKEM_768_DRAFT_6 ||
      symmetric;
    if (!known) invalid('A welcome message names an unknown wrapper algorithm.', `message ${i}: ${v.wrapperAlgorithm}`);
    if (v.hpkePublicKey.length === 0 && !symmetric) invalid('A welcome message has no HPKE public key.', `message ${i}`);
    return {
      kind: 'v1',
      installationKey: v.installationKey,
      data: v.data,
      hpkePublicKey: v.hpkePublicKey,
      wrapperAlgorithm: v.wrapperAlgorithm,
      welcomeMetadata: v.welcomeMetadata,
    };
  }
  if (m.welcomePointer) {
    const p = m.welcomePointer;
    if (p.installationKey.length === 0 || p.welcomePointer.length === 0 || p.hpkePublicKey.length === 0) {
      invalid('A welcome pointer lacks its installation key, pointer or HPKE public key.', `message ${i}`);
    }
    if (p.wrapperAlgorithm !== WelcomePointerWrapperAlgorithm.WELCOME_POINTER_WRAPPER_ALGORITHM_XWING_MLKEM_768_DRAFT_6) {
      invalid('A welcome pointer names an unknown wrapper algorithm.', `message ${i}: ${p.wrapperAlgorithm}`);
    }
    return {
      kind: 'pointer',
      installationKey: p.installationKey,
      data: p.welcomePointer,
      hpkePublicKey: p.hpkePublicKey,
      wrapperAlgorithm: p.wrapperAlgorithm,
      welcomeMetadata: new Uint8Array(),
    };
  }
  return invalid('A welcome message has no version.', `message ${i}`);
}

type MlsHandlers = Pick<
  NodeHandlers,
  | 'sendGroupMessages'
  | 'sendWelcomeMessages'
  | 'uploadKeyPackage'
  | 'fetchKeyPackages'
  | 'queryGroupMessages'
  | 'queryWelcomeMessages'
  | 'subscribeGroupMessages'
  | 'subscribeWelcomeMessages'
  | 'batchPublishCommitLog'
  | 'batchQueryCommitLog'
  | 'getNewestGroupMessage'
>;

/** `compute` cached per argument object, for as long as that object lives. */
function oncePerObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = compute(key)));
    return value;
  };
}

/** A group message whose bytes are its own (copies of any view into a shared slab). */
function ownGroupMessage(r: GroupMessageRecord): GroupMessageRecord {
  return { ...r, groupId: r.groupId.slice(), data: r.data.slice(), senderHmac: r.senderHmac.slice() };
}

/** xmtp.mls.api.v1.MlsApi, with xmtp-node-go's semantics (pkg/mls/api/v1/service.go). */
export function mlsHandlers(deps: ServiceDeps): MlsHandlers {
  const { store, validators } = deps;
  // One response object per stored record, shared by every subscriber it is streamed to, so
  // the dispatcher encodes it once (a live record is the same object for all of them).
  const groupProtoOf = oncePerObject<GroupMessageRecord, GroupMessage>(groupMessageProto);
  const welcomeProtoOf = oncePerObject<WelcomeRecord, WelcomeMessage>(welcomeProto);
  // A record's hex topic once, however many subscriptions look at it (the feed files it under
  // its topic, then each subscription's high-water mark checks it).
  const hexOf = oncePerObject<Uint8Array, string>(hex);
  // One retained copy per record too, so slow subscribers share its copy and its encoding.
  const retainedOf = oncePerObject<GroupMessageRecord, GroupMessageRecord>(ownGroupMessage);
  const groupFeed = new TopicFeed<GroupMessageRecord>(
    store,
    (e) => (e.kind === 'groupMessages' ? e.records : undefined),
    (r) => hexOf(r.groupId),
  );
  const welcomeFeed = new TopicFeed<WelcomeRecord>(
    store,
    (e) => (e.kind === 'welcomes' ? e.records : undefined),
    (r) => hexOf(r.installationKey),
  );

  return {
    async sendGroupMessages(req) {
      const n = req.messages.length;
      if (n === 0) invalid('No group messages to send.');
      if (n > LIMITS.groupMessagesPerSend) invalid('Too many group messages in one request.', `${n}, at most ${LIMITS.groupMessagesPerSend}`);
      const inputs: GroupMessageInput[] = req.messages.map((m, i) => {
        const v1 = m.v1;
        if (!v1) return invalid('A group message has no version.', `message ${i}`);
        if (v1.data.length === 0) return invalid('A group message is empty.', `message ${i}`);
        let framing;
        try {
          framing = validators.groupMessage(v1.data);
        } catch (e) {
          throw withIndex(e, `message ${i}`);
        }
        return { groupId: framing.groupId, data: v1.data, senderHmac: v1.senderHmac, shouldPush: v1.shouldPush, isCommit: framing.isCommit };
      });
      await store.insertGroupMessages(inputs);
      return {};
    },

    async sendWelcomeMessages(req) {
      const n = req.messages.length;
      if (n === 0) invalid('No welcome messages to send.');
      if (n > LIMITS.welcomesPerSend) invalid('Too many welcome messages in one request.', `${n}, at most ${LIMITS.welcomesPerSend}`);
      await store.insertWelcomes(req.messages.map(welcomeInput));
      return {};
    },

    async uploadKeyPackage(req) {
      const tls = req.keyPackage?.keyPackageTlsSerialized;
      if (!tls || tls.length === 0) invalid('No key package.');
      const kp = await validators.keyPackage(tls, deps.now());
      const [owner] = await store.inboxIdsFor([{ kind: 'installation', installationKey: kp.installationKey }]);
      if (owner !== undefined && owner !== kp.inboxId) {
        invalid('The key package installation belongs to another inbox.', `installation ${hex(kp.installationKey)} is registered to ${owner}, the credential names ${kp.inboxId}`);
      }
      // libxmtp uploads the key package *before* publishing the identity update that registers
      // the installation (xmtp_mls client.rs register_identity, "Upload key package first"), so an
      // unregistered installation's upload is kept but not served (fetchKeyPackages) until the
      // inbox log lists it.
      // The store keeps the newest by the key package's own not_before and refuses an older one
      // (Node.StaleKeyPackage, FAILED_PRECONDITION): a replayed old upload cannot displace it.
      await store.putKeyPackage({ installationKey: kp.installationKey, inboxId: kp.inboxId, keyPackage: tls, notBefore: kp.notBefore, notAfter: kp.notAfter });
      return {};
    },

    async fetchKeyPackages(req) {
      const keys = req.installationKeys;
      if (keys.length > LIMITS.keyPackagesPerFetch) invalid('Too many installations in one request.', `${keys.length}, at most ${LIMITS.keyPackagesPerFetch}`);
      const [records, owners] = await Promise.all([
        store.fetchKeyPackages(keys),
        store.inboxIdsFor(keys.map((installationKey) => ({ kind: 'installation' as const, installationKey }))),
      ]);
      // libxmtp requires one entry per requested key (xmtp_api mls.rs fetch_key_packages); an
      // installation with no servable key package gets an empty one, as xmtp-node-go's nil entry.
      return {
        keyPackages: records.map((r, i) => ({
          keyPackageTlsSerialized: r && owners[i] === r.inboxId ? r.keyPackage : new Uint8Array(),
        })),
      };
    },

    async queryGroupMessages(req) {
      if (req.groupId.length === 0) invalid('No group id.');
      const page = pageFrom(req.pagingInfo);
      const records = await store.queryGroupMessages(req.groupId, page);
      return {
        messages: records.map((r) => groupMessageProto(r)),
        pagingInfo: pagingInfoFor(page, records.map((r) => r.id)),
      };
    },

    async queryWelcomeMessages(req) {
      if (req.installationKey.length === 0) invalid('No installation key.');
      const page = pageFrom(req.pagingInfo);
      const records = await store.queryWelcomes(req.installationKey, page);
      return {
        messages: records.map(welcomeProto),
        pagingInfo: pagingInfoFor(page, records.map((r) => r.id)),
      };
    },

    subscribeGroupMessages: (req, ctx, send) =>
      subscribeTopics(deps, req.filters, ctx, {
        topicOfFilter: (f) => f.groupId,
        noTopic: 'A subscription filter has no group id.',
        feed: groupFeed,
        topicOf: (r) => hexOf(r.groupId),
        query: (topic, page) => store.queryGroupMessages(topic, page),
        send: (records) => send(records.map(groupProtoOf)),
        retain: retainedOf,
      }),

    subscribeWelcomeMessages: async (req, ctx, send) => {
      if (req.filters.length === 0) invalid('No subscription filters.');
      return subscribeTopics(deps, req.filters, ctx, {
        topicOfFilter: (f) => f.installationKey,
        noTopic: 'A subscription filter has no installation key.',
        feed: welcomeFeed,
        topicOf: (r) => hexOf(r.installationKey),
        query: (topic, page) => store.queryWelcomes(topic, page),
        send: (records) => send(records.map(welcomeProtoOf)),
      });
    },

    async batchPublishCommitLog(req) {
      const n = req.requests.length;
      if (n === 0) invalid('No commit log entries to publish.');
      if (n > LIMITS.commitLogPublishes) invalid('Too many commit log entries in one request.', `${n}, at most ${LIMITS.commitLogPublishes}`);
      const inputs = req.requests.map((r, i) => {
        // Structure, group and signature, as libxmtp verifies them when it reads the log back.
        const signature = checkCommitLogEntry(r.groupId, r.serializedCommitLogEntry, r.signature, `entry ${i}`);
        return {
          groupId: r.groupId,
          serializedEntry: r.serializedCommitLogEntry,
          serializedSignature: RecoverableEd25519Signature.encode(signature).finish(),
        };
      });
      await store.insertCommitLogEntries(inputs);
      return {};
    },

    async batchQueryCommitLog(req) {
      const n = req.requests.length;
      if (n === 0) invalid('No commit log queries.');
      if (n > LIMITS.commitLogQueries) invalid('Too many commit log queries in one request.', `${n}, at most ${LIMITS.commitLogQueries}`);
      const responses = await Promise.all(
        req.requests.map(async (q, i) => {
          if (q.groupId.length === 0) invalid('A commit log query has no group id.', `query ${i}`);
          if (q.pagingInfo?.direction === SortDirection.SORT_DIRECTION_DESCENDING) {
            invalid('The commit log is served ascending only.', `query ${i}`);
          }
          const limit = q.pagingInfo && q.pagingInfo.limit > 0 && q.pagingInfo.limit <= MAX_PAGE_SIZE ? q.pagingInfo.limit : MAX_PAGE_SIZE;
          const entries = await store.queryCommitLog(q.groupId, fromU64(q.pagingInfo?.idCursor), limit);
          const last = entries.length >= limit ? entries[entries.length - 1]?.sequenceId : undefined;
          return {
            groupId: q.groupId,
            commitLogEntries: entries.map((e) => ({
              sequenceId: u64(e.sequenceId),
              serializedCommitLogEntry: e.serializedEntry,
              signature: RecoverableEd25519Signature.decode(e.serializedSignature),
            })),
            pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit, idCursor: u64(last ?? 0n) },
          };
        }),
      );
      return { responses };
    },

    async getNewestGroupMessage(req) {
      const n = req.groupIds.length;
      if (n === 0) invalid('No group ids.');
      if (n > LIMITS.groupsPerNewest) invalid('Too many group ids in one request.', `${n}, at most ${LIMITS.groupsPerNewest}`);
      const newest = await store.newestGroupMessages(req.groupIds);
      return {
        responses: newest.map((r) => (r ? { groupMessage: groupMessageProto(r, req.includeContent) } : {})),
      };
    },
  };
}

/** What differs between the group-message and the welcome subscription. */
interface TopicStream<F, R extends TopicRecord> extends Pick<SubscriptionSpec<R>, 'feed' | 'topicOf' | 'query' | 'send' | 'retain'> {
  /** The topic a filter names (a group id or an installation key). */
  topicOfFilter(filter: F): Uint8Array;
  /** The refusal of a filter that names no topic. */
  noTopic: string;
}

/**
 * One subscription to the topics its filters name, from each filter's cursor: admitted against
 * the stream caps before anything is built for its topics (StreamAdmission), counted until it ends.
 */
async function subscribeTopics<F extends { idCursor: Long }, R extends TopicRecord>(
  deps: ServiceDeps,
  filters: readonly F[],
  ctx: CallContext,
  { topicOfFilter, noTopic, ...spec }: TopicStream<F, R>,
): Promise<void> {
  const release = deps.streams.admit(ctx.clientKey, filters.length);
  try {
    const cursors = new Map<string, bigint>();
    const topicBytes = new Map<string, Uint8Array>();
    for (const f of filters) {
      const topic = topicOfFilter(f);
      if (topic.length === 0) invalid(noTopic);
      const key = hex(topic);
      const cursor = fromU64(f.idCursor);
      // The same topic twice: the lower cursor covers both.
      if (!cursors.has(key) || cursor < (cursors.get(key) ?? 0n)) cursors.set(key, cursor);
      topicBytes.set(key, topic);
    }
    await runSubscription<R>({
      ...spec,
      cursors,
      topicBytes,
      signal: ctx.signal,
      shutdown: deps.shutdown,
      maxBacklog: deps.maxSubscriptionBacklog,
    });
  } finally {
    release();
  }
}

/** Adds which item of a batch was wrong to a validator's error. */
function withIndex(error: unknown, where: string): unknown {
  if (error instanceof ParleyError) {
    return new ParleyError(error.code, error.shortMessage, {
      details: error.details ? `${where}: ${error.details}` : where,
      cause: error,
    });
  }
  return error;
}
