import type { ClientConfig, ClientState, Credential, EpochReceiverData, RatchetTree } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { decodeGroupStateWithoutTree, encodeGroupStateWithoutTree } from 'ts-mls/clientState.js';
import { mapDecoders } from 'ts-mls/codec/tlsDecoder.js';
import { contramapBufferEncoders, encode } from 'ts-mls/codec/tlsEncoder.js';
import { decodeVarLenData, varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { decodeEpochReceiverData } from 'ts-mls/epochReceiverData.js';
import { decodeGroupActiveState, groupActiveStateEncoder } from 'ts-mls/groupActiveState.js';
import { decodeGroupContext, groupContextEncoder } from 'ts-mls/groupContext.js';
import { decodeKeySchedule, keyScheduleEncoder } from 'ts-mls/keySchedule.js';
import { decodePrivateKeyPath, privateKeyPathEncoder } from 'ts-mls/privateKeyPath.js';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { decodeSecretTree, secretTreeEncoder } from 'ts-mls/secretTree.js';
import { decodeUnappliedProposals, unappliedProposalsEncoder } from 'ts-mls/unappliedProposals.js';
import { ParleyError } from '../errors';
import { inboxIdFromCredential } from '../mls/credential';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import type { ClientStore, GroupStateRecord, StoreOp } from './store';

/** A group state cannot be larger than a welcome (XMTP's 25 MiB payload limit) plus local secrets. */
export const MAX_GROUP_STATE_BYTES = 64 * 1024 * 1024;

/**
 * The ts-mls configuration of an XMTP group (libxmtp groups/mod.rs build_group_config and
 * openmls defaults): keys of 3 past epochs (MAX_PAST_EPOCHS), no padding, and leaves whose
 * credential is an XMTP MlsCredential. Functions, so rebuilt, never stored.
 */
export function xmtpClientConfig(): ClientConfig {
  return {
    ...defaultClientConfig,
    keyRetentionConfig: { retainKeysForGenerations: 10, retainKeysForEpochs: 3, maximumForwardRatchetSteps: 1000 },
    paddingConfig: { kind: 'padUntilLength', padUntilLength: 0 },
    authService: { validateCredential: async (credential: Credential) => isXmtpCredential(credential) },
  };
}

function isXmtpCredential(credential: Credential): boolean {
  try {
    inboxIdFromCredential(credential);
    return true;
  } catch {
    return false;
  }
}

/**
 * Encodings by object: ts-mls states are immutable and an application message keeps the tree
 * and the past epochs' receiver data objects, so each is encoded once, not once per message.
 * The past epochs carry whole ratchet trees: re-encoding them per message costs tens of
 * milliseconds in a 250-member group (measured), more than the encryption itself.
 */
const encodedTrees = new WeakMap<RatchetTree, Uint8Array>();
const encodedPastEpochs = new WeakMap<EpochReceiverData, Uint8Array>();

const encodeVarLen = encode(varLenDataEncoder);
const encodeSecretTree = encode(secretTreeEncoder);
const encodeGroupContext = encode(groupContextEncoder);

function treeBytes(tree: RatchetTree): Uint8Array {
  let bytes = encodedTrees.get(tree);
  if (bytes === undefined) {
    bytes = encodeRatchetTree(tree);
    encodedTrees.set(tree, bytes);
  }
  return bytes;
}

/** ts-mls epochReceiverDataEncoder's layout, with the tree from the cache. */
function pastEpochBytes(data: EpochReceiverData): Uint8Array {
  let bytes = encodedPastEpochs.get(data);
  if (bytes === undefined) {
    bytes = concat([
      encodeVarLen(data.resumptionPsk),
      encodeSecretTree(data.secretTree),
      treeBytes(data.ratchetTree),
      encodeVarLen(data.senderDataSecret),
      encodeGroupContext(data.groupContext),
    ]);
    encodedPastEpochs.set(data, bytes);
  }
  return bytes;
}

/** "PS" + format 1: the record's `state` framing (a ts-mls state without tree and past epochs, then the past epochs). */
const STATE_MAGIC = [0x50, 0x53, 0x01] as const;
/** ts-mls keeps at most retainKeysForEpochs past epochs; a stored state with far more is not ours. */
const MAX_PAST_EPOCHS = 64;

/**
 * The whole state in one self-contained record (a published commit's staged state, kept in its
 * intent); groups themselves are stored in two parts, see groupStateOps.
 */
export function encodeGroupStateRecord(groupId: string, state: ClientState): GroupStateRecord {
  const main = encodeGroupStateWithoutTree({ ...state, historicalReceiverData: new Map() });
  const parts: Uint8Array[] = [Uint8Array.from(STATE_MAGIC), u32(main.length), main, u32(state.historicalReceiverData.size)];
  for (const [epoch, data] of state.historicalReceiverData) {
    const bytes = pastEpochBytes(data);
    parts.push(u64(epoch), u32(bytes.length), bytes);
  }
  return { groupId, epoch: state.groupContext.epoch, ratchetTree: treeBytes(state.ratchetTree), state: concat(parts) };
}

/** The inverse of encodeGroupStateRecord; a record that does not decode is Codec.Malformed. */
export function decodeGroupStateRecord(record: Pick<GroupStateRecord, 'ratchetTree' | 'state'>): ClientState {
  if (record.ratchetTree.length + record.state.length > MAX_GROUP_STATE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The stored group state is too large.', {
      details: `${record.ratchetTree.length + record.state.length} bytes`,
    });
  }
  const tree = decodeTlsExact(decodeRatchetTree, record.ratchetTree);
  if (!tree.ok) throw malformed('ratchet tree', tree.reason);
  const reader = new Reader(record.state);
  if (!STATE_MAGIC.every((b) => reader.byte() === b)) throw malformed('group state', 'unknown format');
  const main = decodeTlsExact(decodeGroupStateWithoutTree(tree.value), reader.bytes(reader.u32()));
  if (!main.ok) throw malformed('group state', main.reason);
  const past = readPastEpochs(reader);
  if (!reader.done()) throw malformed('group state', 'trailing bytes');
  encodedTrees.set(main.value.ratchetTree, record.ratchetTree);
  return { ...main.value, historicalReceiverData: past, clientConfig: xmtpClientConfig() };
}

/**
 * Where a group's state lives in the store: two GroupStateRecords, both written in the batch of
 * the change that made them. `<groupId>` holds the secret tree, the only part a message changes;
 * `<groupId>/epoch` holds the rest, which changes only with the epoch or with a late message of a
 * past epoch: the ratchet tree, the group context, key schedule, private path and the past
 * epochs' receiver data (which carry whole trees). A message in a 250-member group thus encodes
 * and writes about 40 KB (its secret tree), not 500 KB (measured).
 */
export const EPOCH_PART_SUFFIX = '/epoch';

/** The state whose epoch part was last written: compared field by field (ts-mls states are immutable). */
export type PersistedEpochPart = Omit<ClientState, 'secretTree' | 'clientConfig'>;

type EpochFields = Pick<
  ClientState,
  'groupContext' | 'keySchedule' | 'privatePath' | 'signaturePrivateKey' | 'unappliedProposals' | 'confirmationTag' | 'groupActiveState'
>;

const epochFieldsEncoder = contramapBufferEncoders(
  [groupContextEncoder, keyScheduleEncoder, privateKeyPathEncoder, varLenDataEncoder, unappliedProposalsEncoder, varLenDataEncoder, groupActiveStateEncoder],
  (f: EpochFields) =>
    [f.groupContext, f.keySchedule, f.privatePath, f.signaturePrivateKey, f.unappliedProposals, f.confirmationTag, f.groupActiveState] as const,
);
const decodeEpochFields = mapDecoders(
  [decodeGroupContext, decodeKeySchedule, decodePrivateKeyPath, decodeVarLenData, decodeUnappliedProposals, decodeVarLenData, decodeGroupActiveState],
  (groupContext, keySchedule, privatePath, signaturePrivateKey, unappliedProposals, confirmationTag, groupActiveState): EpochFields => ({
    groupContext,
    keySchedule,
    privatePath,
    signaturePrivateKey,
    unappliedProposals,
    confirmationTag,
    groupActiveState,
  }),
);

const MAIN_MAGIC = [0x50, 0x4d, 0x02] as const;
const PAST_MAGIC = [0x50, 0x45, 0x02] as const;
const EMPTY = new Uint8Array();

function epochPartUnchanged(state: ClientState, persisted: PersistedEpochPart | undefined): boolean {
  return (
    persisted !== undefined &&
    persisted.ratchetTree === state.ratchetTree &&
    persisted.historicalReceiverData === state.historicalReceiverData &&
    persisted.groupContext === state.groupContext &&
    persisted.keySchedule === state.keySchedule &&
    persisted.privatePath === state.privatePath &&
    persisted.signaturePrivateKey === state.signaturePrivateKey &&
    persisted.unappliedProposals === state.unappliedProposals &&
    persisted.confirmationTag === state.confirmationTag &&
    persisted.groupActiveState === state.groupActiveState
  );
}

/** The store operations that persist `state`; the epoch part only when it differs from `persisted`. */
export function groupStateOps(
  groupId: string,
  state: ClientState,
  persisted?: PersistedEpochPart,
): { ops: StoreOp[]; persisted: PersistedEpochPart } {
  const epoch = state.groupContext.epoch;
  const ops: StoreOp[] = [
    {
      op: 'putGroupState',
      record: { groupId, epoch, ratchetTree: EMPTY, state: concat([Uint8Array.from(MAIN_MAGIC), encodeSecretTree(state.secretTree)]) },
    },
  ];
  if (epochPartUnchanged(state, persisted)) return { ops, persisted: persisted as PersistedEpochPart };
  const fields = encode(epochFieldsEncoder)(state);
  const parts: Uint8Array[] = [Uint8Array.from(PAST_MAGIC), u32(fields.length), fields, u32(state.historicalReceiverData.size)];
  for (const [pastEpoch, data] of state.historicalReceiverData) {
    const bytes = pastEpochBytes(data);
    parts.push(u64(pastEpoch), u32(bytes.length), bytes);
  }
  ops.push({
    op: 'putGroupState',
    record: { groupId: groupId + EPOCH_PART_SUFFIX, epoch, ratchetTree: treeBytes(state.ratchetTree), state: concat(parts) },
  });
  const { secretTree: _secretTree, clientConfig: _clientConfig, ...epochPart } = state;
  return { ops, persisted: epochPart };
}

/** Both parts removed (a group that is dropped). */
export function deleteGroupStateOps(groupId: string): StoreOp[] {
  return [
    { op: 'deleteGroupState', groupId },
    { op: 'deleteGroupState', groupId: groupId + EPOCH_PART_SUFFIX },
  ];
}

/** Reads and decodes a group's two parts; undefined when the group has no state. Parts of different epochs are Codec.Malformed. */
export async function loadGroupState(
  store: Pick<ClientStore, 'getGroupState'>,
  groupId: string,
): Promise<{ state: ClientState; persisted: PersistedEpochPart } | undefined> {
  const [main, epochPart] = await Promise.all([store.getGroupState(groupId), store.getGroupState(groupId + EPOCH_PART_SUFFIX)]);
  if (main === undefined) return undefined;
  if (epochPart === undefined || epochPart.epoch !== main.epoch) {
    throw malformed('group state', `epoch part ${epochPart === undefined ? 'missing' : `of epoch ${epochPart.epoch}`} for state of epoch ${main.epoch}`);
  }
  const state = decodeGroupStateParts(main.state, epochPart);
  const { secretTree: _secretTree, clientConfig: _clientConfig, ...persisted } = state;
  return { state, persisted };
}

/** Decodes the two parts groupStateOps writes. */
export function decodeGroupStateParts(main: Uint8Array, epochPart: Pick<GroupStateRecord, 'ratchetTree' | 'state'>): ClientState {
  if (main.length + epochPart.ratchetTree.length + epochPart.state.length > MAX_GROUP_STATE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The stored group state is too large.', { details: `${main.length + epochPart.state.length} bytes` });
  }
  const tree = decodeTlsExact(decodeRatchetTree, epochPart.ratchetTree);
  if (!tree.ok) throw malformed('ratchet tree', tree.reason);
  const mainReader = new Reader(main);
  if (!MAIN_MAGIC.every((b) => mainReader.byte() === b)) throw malformed('group state', 'unknown format');
  const secretTree = decodeTlsExact(decodeSecretTree, mainReader.rest());
  if (!secretTree.ok) throw malformed('group state', secretTree.reason);
  const reader = new Reader(epochPart.state);
  if (!PAST_MAGIC.every((b) => reader.byte() === b)) throw malformed('group state', 'unknown epoch-part format');
  const fields = decodeTlsExact(decodeEpochFields, reader.bytes(reader.u32()));
  if (!fields.ok) throw malformed('group state', fields.reason);
  const past = readPastEpochs(reader);
  if (!reader.done()) throw malformed('group state', 'trailing bytes');
  encodedTrees.set(tree.value, epochPart.ratchetTree);
  return {
    ...fields.value,
    secretTree: secretTree.value,
    ratchetTree: tree.value,
    historicalReceiverData: past,
    clientConfig: xmtpClientConfig(),
  };
}

function readPastEpochs(reader: Reader): Map<bigint, EpochReceiverData> {
  const count = reader.u32();
  if (count > MAX_PAST_EPOCHS) throw malformed('group state', `${count} past epochs`);
  const past = new Map<bigint, EpochReceiverData>();
  for (let i = 0; i < count; i++) {
    const epoch = reader.u64();
    const bytes = reader.bytes(reader.u32());
    const data = decodeTlsExact(decodeEpochReceiverData, bytes);
    if (!data.ok) throw malformed('group state', `past epoch ${epoch}: ${data.reason}`);
    encodedPastEpochs.set(data.value, bytes);
    past.set(epoch, data.value);
  }
  return past;
}

function malformed(what: string, details: string): ParleyError {
  return new ParleyError('Codec.Malformed', `The stored ${what} does not decode.`, { details });
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Bounds-checked reads over the framing; running out is Codec.Malformed. */
class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(n: number): void {
    if (this.offset + n > this.data.length) throw malformed('group state', 'truncated');
  }

  byte(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  rest(): Uint8Array {
    const out = this.data.subarray(this.offset);
    this.offset = this.data.length;
    return out;
  }

  done(): boolean {
    return this.offset === this.data.length;
  }
}
