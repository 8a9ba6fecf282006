import { sha256 } from '@noble/hashes/sha2.js';
import type { GroupMessage } from '@xmtp/proto/mls/api/v1/mls.pb';
import { decodeMlsMessage, emptyPskIndex, processPrivateMessage } from 'ts-mls';
import type { ClientState, PrivateMessage } from 'ts-mls';
import { applicationMessageId, decodeApplicationMessage } from '../content';
import { ParleyError, isParleyError } from '../errors';
import { bytesEqual } from '../mls/bytesEqual';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import { MAX_GROUP_MESSAGE_BYTES } from '../mls/framing';
import { commitRecorder } from '../mls/validateCommitInput';
import { fromHex, toHex } from './bytes';
import type { ClientContext } from './clientContext';
import { validateIncomingCommit } from './commitValidation';
import { decodedMessageOf, type DecodedMessage } from './decodedMessage';
import { decryptApplicationMessage } from './decryptApplication';
import { recordDisappearingSettings } from './disappearingMessages';
import { groupLeafOf, leafNodeAt, type GroupLeaf } from './groupLeaves';
import type { GroupSession } from './groupSession';
import { groupStateOps, stagedStateOf } from './groupState';
import { decodePostCommit, encodePostCommit } from './intentData';
import { groupUpdatedRecord } from './messageRecords';
import { refusedMessage, withRefused } from './refusedMessages';
import type { IntentRecord, MessageRecord, RefusedMessage, StoreOp } from './store';

/** A group message as the node serves it (GroupMessage.V1), with its uint64s as bigints. */
export interface GroupEnvelope {
  id: bigint;
  createdNs: bigint;
  data: Uint8Array;
}

export function envelopeOf(message: GroupMessage): GroupEnvelope | undefined {
  const v1 = message.v1;
  if (v1 === undefined) return undefined;
  return { id: BigInt.asUintN(64, v1.id.toBigInt()), createdNs: BigInt.asUintN(64, v1.createdNs.toBigInt()), data: v1.data };
}

export interface ReceiveResult {
  session: GroupSession;
  ops: StoreOp[];
  /** New or changed messages, in order, to report once the batch is stored. */
  messages: MessageRecord[];
  /** Those of `messages` whose content was decoded on the way in, so reporting them does not decode it again. */
  decoded: Map<MessageRecord, DecodedMessage>;
  /** Our commits accepted in this batch: their welcomes go out after the batch is stored. */
  acceptedCommits: IntentRecord[];
}

/**
 * Applies a group's messages strictly in node-id order (libxmtp mls_sync.rs process_messages),
 * returning the new session and ONE store batch with the state, messages, cursor and intents.
 * Our own messages are recognised by their exact bytes (libxmtp finds intents by payload hash):
 * a sent message is confirmed; a published commit is merged from its staged state when it is the
 * first commit of its epoch, and otherwise sent back to be rebuilt (the first commit wins).
 * Nothing is dropped silently, yet nothing unauthenticated is shown: a message that cannot be read,
 * or comes from a sender removed by a commit ordered before it, is kept only as a diagnostics entry
 * of the group record (bounded), never as a message.
 */
export async function receiveMessages(ctx: ClientContext, start: GroupSession, envelopes: readonly GroupEnvelope[]): Promise<ReceiveResult> {
  let state = start.state;
  const record = { ...start.record };
  const intents = new Map(start.intents.map((i) => [i.id, i]));
  const changedIntents = new Map<string, IntentRecord | undefined>();
  const messages: MessageRecord[] = [];
  const decoded = new Map<MessageRecord, DecodedMessage>();
  const acceptedCommits: IntentRecord[] = [];
  const refused: RefusedMessage[] = [];
  let stateChanged = false;

  const ordered = [...envelopes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const groupIdBytes = fromHex(record.id);
  for (const envelope of ordered) {
    // A removed member holds no keys for what follows its removal.
    if (state.groupActiveState.kind === 'removedFromGroup') break;
    if (envelope.id <= record.cursor) continue;
    record.cursor = envelope.id;

    const own = ownIntentOf(intents, envelope.data);
    if (own !== undefined) {
      const outcome = await receiveOwn(ctx, state, own, envelope, record.id);
      if (outcome.state !== state) {
        state = outcome.state;
        stateChanged = true;
      }
      if (outcome.intent === undefined) intents.delete(own.id);
      else intents.set(own.id, outcome.intent);
      changedIntents.set(own.id, outcome.intent);
      if (outcome.accepted !== undefined) acceptedCommits.push(outcome.accepted);
      messages.push(...outcome.messages);
      continue;
    }

    const outcome = await receiveForeign(ctx, state, envelope, record.id, groupIdBytes);
    if (outcome.state !== state) {
      state = outcome.state;
      stateChanged = true;
    }
    if (outcome.refused !== undefined) refused.push(outcome.refused);
    if (outcome.message !== undefined) messages.push(outcome.message);
    if (outcome.message !== undefined && outcome.decoded !== undefined) decoded.set(outcome.message, outcome.decoded);
  }

  // A commit of ours still waiting while the group moved past its epoch lost the race without
  // its bytes reaching the node: rebuild it too.
  for (const intent of intents.values()) {
    if (intent.state === 'published' && intent.kind !== 'sendMessage' && intent.publishedInEpoch !== undefined && intent.publishedInEpoch < state.groupContext.epoch) {
      const reset = resetIntent(intent);
      intents.set(intent.id, reset);
      changedIntents.set(intent.id, reset);
    }
  }

  if (state.groupActiveState.kind === 'removedFromGroup') record.active = false;
  if (refused.length > 0) record.refused = withRefused(record, refused);
  // Cached per metadata payload, so cheap; written on every batch so a record from before the field heals on its next sync.
  recordDisappearingSettings(record, state.groupContext.extensions);
  for (const m of messages) if (m.sentAtNs > record.lastMessageAtNs) record.lastMessageAtNs = m.sentAtNs;

  const ops: StoreOp[] = [];
  let persisted = start.persisted;
  if (stateChanged) {
    const written = groupStateOps(record.id, state, persisted);
    ops.push(...written.ops);
    persisted = written.persisted;
  }
  ops.push({ op: 'putGroup', record });
  for (const m of messages) ops.push({ op: 'putMessage', record: m });
  for (const [id, intent] of changedIntents) {
    ops.push(intent === undefined ? { op: 'deleteIntent', intentId: id } : { op: 'putIntent', record: intent });
  }
  const session: GroupSession = { record, state, intents: [...intents.values()] };
  if (persisted !== undefined) session.persisted = persisted;
  return {
    session,
    ops,
    messages,
    decoded,
    acceptedCommits,
  };
}

/** Our intent whose published bytes are exactly `data` (libxmtp finds intents by payload hash). */
function ownIntentOf(intents: ReadonlyMap<string, IntentRecord>, data: Uint8Array): IntentRecord | undefined {
  for (const intent of intents.values()) {
    if (intent.payload !== undefined && bytesEqual(intent.payload, data)) return intent;
  }
  return undefined;
}

/** The intent back to "to publish": its commit is rebuilt on the current epoch. */
export function resetIntent(intent: IntentRecord): IntentRecord {
  const { payload: _payload, stagedState: _staged, postCommit: _post, publishedInEpoch: _epoch, ...rest } = intent;
  return { ...rest, state: 'toPublish' };
}

interface OwnOutcome {
  state: ClientState;
  /** The intent's new record, or undefined when it is done. */
  intent: IntentRecord | undefined;
  accepted?: IntentRecord;
  messages: MessageRecord[];
}

async function receiveOwn(
  ctx: ClientContext,
  state: ClientState,
  intent: IntentRecord,
  envelope: GroupEnvelope,
  groupId: string,
): Promise<OwnOutcome> {
  if (intent.kind === 'sendMessage') {
    const messages: MessageRecord[] = [];
    const stored = intent.messageId === undefined ? undefined : await ctx.store.getMessage(intent.messageId);
    if (stored !== undefined) {
      messages.push({ ...stored, deliveryStatus: 'published', sequenceId: envelope.id, sentAtNs: envelope.createdNs });
    }
    return { state, intent: undefined, messages };
  }
  const current = state.groupContext.epoch;
  if (intent.state !== 'published' || intent.publishedInEpoch !== current || intent.stagedState === undefined) {
    // Another commit took this epoch first: ours is void everywhere; rebuild it on the new epoch.
    return { state, intent: resetIntent(intent), messages: [] };
  }
  const after = stagedStateOf(intent.stagedState);
  const messages: MessageRecord[] = [];
  const post = intent.postCommit === undefined ? { recipients: [] } : decodePostCommit(intent.postCommit);
  if (post.transcript !== undefined) {
    messages.push(
      groupUpdatedRecord({
        groupId,
        content: post.transcript,
        idempotencyKey: envelope.createdNs.toString(),
        senderInboxId: ctx.identity.inboxId,
        senderInstallationId: ctx.installationId,
        sentAtNs: envelope.createdNs,
        sequenceId: envelope.id,
      }),
    );
  }
  const { stagedState: _staged, ...rest } = intent;
  const committed: IntentRecord = { ...rest, state: 'committed', postCommit: encodePostCommit({ ...post, messageCursor: envelope.id }) };
  return { state: after, intent: committed, accepted: committed, messages };
}

interface ForeignOutcome {
  state: ClientState;
  message?: MessageRecord;
  decoded?: DecodedMessage;
  refused?: RefusedMessage;
}

async function receiveForeign(
  ctx: ClientContext,
  state: ClientState,
  envelope: GroupEnvelope,
  groupId: string,
  groupIdBytes: Uint8Array,
): Promise<ForeignOutcome> {
  const unreadable = (kind: MessageRecord['kind'], error: unknown, sender?: GroupLeaf): ForeignOutcome => {
    const input: Parameters<typeof refusedMessage>[0] = { sequenceId: envelope.id, sentAtNs: envelope.createdNs, wireId: toHex(sha256(envelope.data)), kind, error };
    if (sender !== undefined) input.sender = sender;
    return { state, refused: refusedMessage(input) };
  };

  const message = parsePrivateMessage(envelope.data, groupIdBytes);
  if (!message.ok) return unreadable('application', message.error);
  const pm = message.value;
  const epoch = state.groupContext.epoch;

  if (pm.contentType === 'application') {
    if (pm.epoch > epoch) {
      return unreadable('application', new ParleyError('Mls.DecryptFailed', 'The message is from a later epoch than this member reached.', { details: `message epoch ${pm.epoch}, group epoch ${epoch}` }));
    }
    let decrypted;
    try {
      decrypted = await decryptApplicationMessage(state, pm, ctx.cs);
    } catch (e) {
      return unreadable('application', e);
    }
    try {
      const app = await decodeApplicationMessage(decrypted.plaintext);
      // libxmtp 1.10 drops V2 envelopes (device-sync requests); nothing for the user to see.
      if (app.kind === 'ignored') return { state: decrypted.newState };
      const record: MessageRecord = {
        id: toHex(applicationMessageId(groupIdBytes, app.contentBytes, app.idempotencyKey)),
        groupId,
        kind: 'application',
        senderInboxId: decrypted.sender.inboxId,
        senderInstallationId: decrypted.sender.installationId,
        sentAtNs: envelope.createdNs,
        // Already a copy of its own (decodePlaintextEnvelope): nothing else holds these bytes.
        content: app.contentBytes,
        contentType: app.contentType,
        deliveryStatus: 'published',
        sequenceId: envelope.id,
      };
      return { state: decrypted.newState, message: record, decoded: decodedMessageOf(record, app.content, app.fallback) };
    } catch (e) {
      return { ...unreadable('application', e, decrypted.sender), state: decrypted.newState };
    }
  }

  if (pm.contentType === 'proposal') {
    // XMTP members never send standalone proposals (libxmtp commits its proposals inline).
    return unreadable('membershipChange', new ParleyError('Mls.InvalidCommit', 'Standalone proposals are not part of the XMTP profile.'));
  }

  // A commit: only the first of its epoch counts; a later one for the same epoch lost the race.
  if (pm.epoch < epoch) return { state };
  if (pm.epoch > epoch) {
    return unreadable('membershipChange', new ParleyError('Mls.InvalidCommit', 'A commit is for a later epoch than this member reached.', { details: `commit epoch ${pm.epoch}, group epoch ${epoch}` }));
  }
  const recorder = commitRecorder();
  let after: ClientState;
  try {
    const result = await processPrivateMessage(state, pm, emptyPskIndex, ctx.cs, recorder.callback);
    if (result.kind !== 'newState') throw new ParleyError('Mls.InvalidCommit', 'The commit did not produce a new epoch.');
    after = result.newState;
  } catch (e) {
    return unreadable('membershipChange', e instanceof ParleyError ? e : new ParleyError('Mls.InvalidCommit', 'The commit could not be processed.', { details: e instanceof Error ? e.message : String(e), cause: e }));
  }
  const recorded = recorder.commit();
  if (recorded === undefined) return unreadable('membershipChange', new ParleyError('Mls.InvalidCommit', 'The commit was not seen by the validator.'));
  let content;
  try {
    ({ content } = await validateIncomingCommit(state, recorded, after, ctx.directory));
  } catch (e) {
    // Not knowable yet (an identity log the node did not serve): leave the batch for a later sync.
    if (isParleyError(e, 'Mls.IdentityStateMissing')) throw e;
    return unreadable('membershipChange', e);
  }
  if (content === undefined) return { state: after };
  const actorLeaf = leafNodeAt(after.ratchetTree, recorded.senderLeafIndex ?? -1) ?? leafNodeAt(state.ratchetTree, recorded.senderLeafIndex ?? -1);
  const actor = actorLeaf === undefined ? undefined : groupLeafOf(actorLeaf, recorded.senderLeafIndex ?? -1);
  return {
    state: after,
    message: groupUpdatedRecord({
      groupId,
      content,
      idempotencyKey: envelope.createdNs.toString(),
      senderInboxId: content.initiatedByInboxId,
      senderInstallationId: actor?.installationId ?? '',
      sentAtNs: envelope.createdNs,
      sequenceId: envelope.id,
    }),
  };
}

type Parsed = { ok: true; value: PrivateMessage } | { ok: false; error: ParleyError };

/** XMTP sends every group message, commits too, as a PrivateMessage of the group it is filed under. */
function parsePrivateMessage(data: Uint8Array, groupId: Uint8Array): Parsed {
  if (data.length > MAX_GROUP_MESSAGE_BYTES) {
    return { ok: false, error: new ParleyError('Codec.TooLarge', 'The group message is too large.', { details: `${data.length} bytes` }) };
  }
  const decoded = decodeTlsExact(decodeMlsMessage, data);
  if (!decoded.ok) return { ok: false, error: new ParleyError('Codec.Malformed', 'The group message is not an MLS message.', { details: decoded.reason }) };
  const message = decoded.value;
  if (message.wireformat !== 'mls_private_message') {
    return { ok: false, error: new ParleyError('Mls.DecryptFailed', 'XMTP group messages are PrivateMessages.', { details: message.wireformat }) };
  }
  if (!bytesEqual(message.privateMessage.groupId, groupId)) {
    return { ok: false, error: new ParleyError('Mls.WrongGroup', 'The message belongs to another group.', { details: toHex(message.privateMessage.groupId) }) };
  }
  return { ok: true, value: message.privateMessage };
}
