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
import { decodeSecretTree, decodeSecretTreeNode, secretTreeEncoder, secretTreeNodeEncoder, type SecretTree, type SecretTreeNode } from 'ts-mls/secretTree.js';
import { decodeUnappliedProposals, unappliedProposalsEncoder } from 'ts-mls/unappliedProposals.js';
import { ParleyError } from '../errors';
import { inboxIdFromCredential } from '../mls/credential';
import { decodeTlsExact } from '../mls/decodeTlsExact';
import type { ClientStore, GroupStateRecord, IntentRecord, StoreOp } from './store';

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
const encodeSecretTreeNode = encode(secretTreeNodeEncoder);
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

/** A published commit's staged state as its intent keeps it: the whole state, so a restart can merge the commit. */
export type StagedStateRecord = NonNullable<IntentRecord['stagedState']>;

/**
 * The state each staged record was encoded from, by record object. When our commit comes back,
 * the intent still held in memory gives the state without decoding it (~15 ms in a 250-member
 * group, where the tree and past epochs are hundreds of KB); an intent read back from the store
 * (after a restart) is another object and is decoded. ts-mls states are immutable and records
 * are never edited, so an object found here is exactly what the record holds.
 */
const stagedStates = new WeakMap<StagedStateRecord, ClientState>();

export function stagedStateRecord(groupId: string, state: ClientState): StagedStateRecord {
  const encoded = encodeGroupStateRecord(groupId, state);
  const record: StagedStateRecord = { epoch: encoded.epoch, ratchetTree: encoded.ratchetTree, state: encoded.state };
  stagedStates.set(record, state);
  return record;
}

/** The state a staged record holds: the one it was made from when this process made it, else decoded (Codec.* when it does not decode). */
export function stagedStateOf(record: StagedStateRecord): ClientState {
  return stagedStates.get(record) ?? decodeGroupStateRecord(record);
}

/**
 * Where a group's state lives in the store: three GroupStateRecords, each written in the batch of
 * the change that made it, so a message writes only what it changed.
 * - `<groupId>/epoch`: what changes only with the epoch (or with a late message of a past epoch):
 *   the ratchet tree, group context, key schedule, private path and the past epochs' receiver
 *   data (which carry whole trees).
 * - `<groupId>/secrets`: the secret tree (RFC 9420 §9) as of some point in the epoch (its base).
 * - `<groupId>`: the secret-tree nodes that differ from that base. Sending or receiving a message
 *   ratchets one leaf's node (the sender's), so this record holds a few hundred bytes per sender
 *   since the base, where the whole secret tree of a 250-member group is ~40 KB and encoding it
 *   on every message cost more than the decryption (bench:client, 250 members: receive 2.5 → 0.6
 *   ms). When too many nodes differ, the base is rewritten.
 * Every record names the epoch, and the per-message part names its base's serial number: parts
 * that do not belong together are Codec.Malformed, never a silently older ratchet.
 */
export const EPOCH_PART_SUFFIX = '/epoch';
export const SECRET_BASE_SUFFIX = '/secrets';

/** The state whose epoch part was last written: compared field by field (ts-mls states are immutable). */
export type PersistedEpochPart = Omit<ClientState, 'secretTree' | 'clientConfig'>;

/** The secret tree last written as the base, by node object (ts-mls replaces a node it ratchets, never edits it). */
export interface PersistedSecretBase {
  epoch: bigint;
  serial: number;
  nodes: SecretTree;
}

/** What of a group's state the store holds, to write only what differs; undefined parts are written. */
export interface PersistedGroupState {
  epochPart?: PersistedEpochPart;
  secretBase?: PersistedSecretBase;
}

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

/** "PM" 2: the per-message part holding the whole secret tree (written before the base existed; still read). */
const WHOLE_TREE_MAGIC = [0x50, 0x4d, 0x02] as const;
/** "PM" 3: the per-message part holding the nodes that differ from the base. */
const DELTA_MAGIC = [0x50, 0x4d, 0x03] as const;
const BASE_MAGIC = [0x50, 0x42, 0x01] as const;
const PAST_MAGIC = [0x50, 0x45, 0x02] as const;
const EMPTY = new Uint8Array();

/**
 * How many changed nodes the per-message part carries before the base is rewritten: √(nodes)
 * balances the per-message write against the amortised rewrite of the whole tree (a rewrite
 * follows at least that many messages from as many different senders).
 */
export function maxDeltaNodes(treeNodes: number): number {
  return Math.ceil(Math.sqrt(treeNodes));
}

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

/** Indexes of the nodes that are not the base's; undefined when the base no longer fits (another epoch, too many changes). */
function changedNodes(tree: SecretTree, base: PersistedSecretBase | undefined, epoch: bigint): number[] | undefined {
  if (base === undefined || base.epoch !== epoch || base.nodes.length !== tree.length) return undefined;
  if (base.nodes === tree) return [];
  const limit = maxDeltaNodes(tree.length);
  const changed: number[] = [];
  for (let i = 0; i < tree.length; i++) {
    if (tree[i] === base.nodes[i]) continue;
    if (changed.length === limit) return undefined;
    changed.push(i);
  }
  return changed;
}

/** The store operations that persist `state`: always the per-message part, the others when they differ from `persisted`. */
export function groupStateOps(
  groupId: string,
  state: ClientState,
  persisted: PersistedGroupState = {},
): { ops: StoreOp[]; persisted: PersistedGroupState } {
  const epoch = state.groupContext.epoch;
  const ops: StoreOp[] = [];
  let base = persisted.secretBase;
  let changed = changedNodes(state.secretTree, base, epoch);
  if (base === undefined || changed === undefined) {
    base = { epoch, serial: ((base?.serial ?? 0) + 1) >>> 0, nodes: state.secretTree };
    changed = [];
    ops.push({
      op: 'putGroupState',
      record: { groupId: groupId + SECRET_BASE_SUFFIX, epoch, ratchetTree: EMPTY, state: concat([Uint8Array.from(BASE_MAGIC), u32(base.serial), encodeSecretTree(base.nodes)]) },
    });
  }
  ops.push({ op: 'putGroupState', record: { groupId, epoch, ratchetTree: EMPTY, state: encodeDelta(state.secretTree, base.serial, changed) } });
  let epochPart = persisted.epochPart;
  if (epochPart === undefined || !epochPartUnchanged(state, epochPart)) {
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
    const { secretTree: _secretTree, clientConfig: _clientConfig, ...rest } = state;
    epochPart = rest;
  }
  return { ops, persisted: { epochPart, secretBase: base } };
}

/** The per-message part: DELTA_MAGIC, the base's serial, then each changed node as index, length, TLS bytes; one allocation (it is written on every message). */
function encodeDelta(tree: SecretTree, serial: number, changed: readonly number[]): Uint8Array {
  const nodes = changed.map((index) => encodeSecretTreeNode(tree[index] as SecretTreeNode));
  const out = new Uint8Array(DELTA_MAGIC.length + 8 + nodes.reduce((n, bytes) => n + 8 + bytes.length, 0));
  const view = new DataView(out.buffer);
  out.set(DELTA_MAGIC);
  let offset = DELTA_MAGIC.length;
  view.setUint32(offset, serial);
  view.setUint32(offset + 4, changed.length);
  offset += 8;
  changed.forEach((index, i) => {
    const bytes = nodes[i]!;
    view.setUint32(offset, index);
    view.setUint32(offset + 4, bytes.length);
    out.set(bytes, offset + 8);
    offset += 8 + bytes.length;
  });
  return out;
}

/** Every part removed (a group that is dropped). */
export function deleteGroupStateOps(groupId: string): StoreOp[] {
  return [
    { op: 'deleteGroupState', groupId },
    { op: 'deleteGroupState', groupId: groupId + SECRET_BASE_SUFFIX },
    { op: 'deleteGroupState', groupId: groupId + EPOCH_PART_SUFFIX },
  ];
}

/** Reads and decodes a group's parts; undefined when the group has no state. Parts that do not belong together are Codec.Malformed. */
export async function loadGroupState(
  store: Pick<ClientStore, 'getGroupState'>,
  groupId: string,
): Promise<{ state: ClientState; persisted: PersistedGroupState } | undefined> {
  const [main, secretBase, epochPart] = await Promise.all([
    store.getGroupState(groupId),
    store.getGroupState(groupId + SECRET_BASE_SUFFIX),
    store.getGroupState(groupId + EPOCH_PART_SUFFIX),
  ]);
  if (main === undefined) return undefined;
  for (const [name, part] of [['epoch part', epochPart], ['secret-tree base', secretBase]] as const) {
    if (part !== undefined && part.epoch !== main.epoch) throw malformed('group state', `${name} of epoch ${part.epoch} for state of epoch ${main.epoch}`);
  }
  if (epochPart === undefined) throw malformed('group state', `epoch part missing for state of epoch ${main.epoch}`);
  const decoded = decodeGroupStateParts(main.state, epochPart, secretBase?.state);
  const { secretTree: _secretTree, clientConfig: _clientConfig, ...epochFields } = decoded.state;
  const persisted: PersistedGroupState = { epochPart: epochFields };
  if (decoded.base !== undefined) persisted.secretBase = { epoch: main.epoch, ...decoded.base };
  return { state: decoded.state, persisted };
}

/**
 * Decodes the parts groupStateOps writes: the per-message part, the epoch part and, unless the
 * per-message part holds the whole secret tree (format 2), the secret-tree base. Also returns the
 * base's nodes, which the state's secret tree shares where it has not changed.
 */
export function decodeGroupStateParts(
  main: Uint8Array,
  epochPart: Pick<GroupStateRecord, 'ratchetTree' | 'state'>,
  secretBase?: Uint8Array,
): { state: ClientState; base?: { serial: number; nodes: SecretTree } } {
  const total = main.length + epochPart.ratchetTree.length + epochPart.state.length + (secretBase?.length ?? 0);
  if (total > MAX_GROUP_STATE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'The stored group state is too large.', { details: `${total} bytes` });
  }
  const tree = decodeTlsExact(decodeRatchetTree, epochPart.ratchetTree);
  if (!tree.ok) throw malformed('ratchet tree', tree.reason);
  const secrets = decodeSecrets(main, secretBase);
  const reader = new Reader(epochPart.state);
  if (!PAST_MAGIC.every((b) => reader.byte() === b)) throw malformed('group state', 'unknown epoch-part format');
  const fields = decodeTlsExact(decodeEpochFields, reader.bytes(reader.u32()));
  if (!fields.ok) throw malformed('group state', fields.reason);
  const past = readPastEpochs(reader);
  if (!reader.done()) throw malformed('group state', 'trailing bytes');
  encodedTrees.set(tree.value, epochPart.ratchetTree);
  const state: ClientState = {
    ...fields.value,
    secretTree: secrets.tree,
    ratchetTree: tree.value,
    historicalReceiverData: past,
    clientConfig: xmtpClientConfig(),
  };
  return secrets.base === undefined ? { state } : { state, base: secrets.base };
}

/** The secret tree from the per-message part (a whole tree, or the base with the changed nodes put in). */
function decodeSecrets(main: Uint8Array, secretBase: Uint8Array | undefined): { tree: SecretTree; base?: { serial: number; nodes: SecretTree } } {
  const reader = new Reader(main);
  const magic = [reader.byte(), reader.byte(), reader.byte()];
  if (WHOLE_TREE_MAGIC.every((b, i) => magic[i] === b)) {
    const whole = decodeTlsExact(decodeSecretTree, reader.rest());
    if (!whole.ok) throw malformed('group state', whole.reason);
    return { tree: whole.value };
  }
  if (!DELTA_MAGIC.every((b, i) => magic[i] === b)) throw malformed('group state', 'unknown format');
  if (secretBase === undefined) throw malformed('group state', 'secret-tree base missing');
  const baseReader = new Reader(secretBase);
  if (!BASE_MAGIC.every((b) => baseReader.byte() === b)) throw malformed('group state', 'unknown secret-tree base format');
  const serial = baseReader.u32();
  const nodes = decodeTlsExact(decodeSecretTree, baseReader.rest());
  if (!nodes.ok) throw malformed('group state', nodes.reason);
  if (reader.u32() !== serial) throw malformed('group state', 'the changed nodes are not of the stored secret-tree base');
  const count = reader.u32();
  if (count > nodes.value.length) throw malformed('group state', `${count} changed nodes in a tree of ${nodes.value.length}`);
  const tree = nodes.value.slice();
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const index = reader.u32();
    if (index <= previous || index >= tree.length) throw malformed('group state', `changed node ${index} out of order or range`);
    previous = index;
    const node = decodeTlsExact(decodeSecretTreeNode, reader.bytes(reader.u32()));
    if (!node.ok) throw malformed('group state', `secret-tree node ${index}: ${node.reason}`);
    tree[index] = node.value;
  }
  if (!reader.done()) throw malformed('group state', 'trailing bytes');
  return { tree, base: { serial, nodes: nodes.value } };
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
