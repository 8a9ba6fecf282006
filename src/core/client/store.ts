import type { DisappearingSettings } from '../mls/groupContext';

/**
 * The storage interface of the messaging client. One implementation per platform: memory (tests,
 * short-lived agents), SQLite (agents, the CLI), encrypted IndexedDB (the extension vault).
 *
 * Shape rules, chosen so that IndexedDB can implement it (a transaction there closes as soon as the
 * code awaits anything else, such as crypto):
 * - reads are plain async getters, each consistent on its own;
 * - every write goes through `commit(batch)`, which the client computes completely beforehand and
 *   the store applies atomically, in order: all operations or none;
 * - records are plain data (strings, numbers, bigint, Uint8Array, arrays, plain objects); a store
 *   may encrypt them at rest and must give back equal values. The client never mutates a record it
 *   passed in or got back.
 *
 * Protocol rules the client keeps through this shape (DESIGN §3, §5):
 * - MLS state, the messages it produced or consumed and the group's cursor change in one batch;
 * - the new MLS state is committed BEFORE any ciphertext made from it leaves the process (sending
 *   from a stale state reuses a generation and the peer rejects it);
 * - an intent keeps its outbound wire bytes, so a retry after a crash re-publishes the same bytes
 *   (the node stores identical data once).
 */
export interface ClientStore {
  getIdentity(): Promise<IdentityRecord | undefined>;

  getGroup(groupId: string): Promise<GroupRecord | undefined>;
  listGroups(query?: GroupQuery): Promise<GroupRecord[]>;
  getGroupState(groupId: string): Promise<GroupStateRecord | undefined>;

  getMessage(messageId: string): Promise<MessageRecord | undefined>;
  /** Messages of one group ordered by (sentAtNs, id); see MessageQuery. */
  listMessages(groupId: string, query?: MessageQuery): Promise<MessageRecord[]>;

  getIntent(intentId: string): Promise<IntentRecord | undefined>;
  /** Pending intents of one group (or of all groups) in creation order (createdAtNs, then id). */
  listIntents(groupId?: string): Promise<IntentRecord[]>;

  getKeyPackage(keyPackageId: string): Promise<KeyPackageRecord | undefined>;
  listKeyPackages(): Promise<KeyPackageRecord[]>;

  /** A stream position, e.g. the last welcome id processed; undefined when never set. */
  getCursor(key: string): Promise<bigint | undefined>;

  /** The cached identity-update log of an inbox, in sequence order. */
  getIdentityLog(inboxId: string): Promise<IdentityLogRecord | undefined>;

  /** Applies every operation of the batch, in order, atomically. */
  commit(batch: StoreBatch): Promise<void>;

  /**
   * Deletes the disappearing messages of one group sent in the window (both ends included):
   * published application messages only, as libxmtp's delete_expired_messages (xmtp_db
   * group_message.rs), so group updates and sends not yet confirmed stay. Atomic like `commit`;
   * resolves with how many were deleted.
   */
  deleteExpiredMessages(groupId: string, window: ExpiredWindow): Promise<number>;

  /** Releases the store's resources; further calls fail. */
  close(): Promise<void>;
}

export type StoreBatch = readonly StoreOp[];

export type StoreOp =
  | { op: 'putIdentity'; record: IdentityRecord }
  | { op: 'putGroup'; record: GroupRecord }
  | { op: 'putGroupState'; record: GroupStateRecord }
  | { op: 'deleteGroupState'; groupId: string }
  | { op: 'putMessage'; record: MessageRecord }
  | { op: 'deleteMessage'; messageId: string }
  | { op: 'putIntent'; record: IntentRecord }
  | { op: 'deleteIntent'; intentId: string }
  | { op: 'putKeyPackage'; record: KeyPackageRecord }
  | { op: 'deleteKeyPackage'; keyPackageId: string }
  | { op: 'setCursor'; key: string; value: bigint }
  | { op: 'putIdentityLog'; record: IdentityLogRecord };

/** This installation: one per store. Holds the installation's private key: encrypt at rest. */
export interface IdentityRecord {
  inboxId: string;
  /** The account that owns the inbox: lowercase 0x address. */
  accountAddress: string;
  /** The nonce the inbox id was derived with (XMTP default 1). */
  nonce: bigint;
  /** Ed25519 seed (32 bytes). */
  installationPrivateKey: Uint8Array;
  /** Ed25519 public key (32 bytes): the installation id. */
  installationPublicKey: Uint8Array;
  /** True once the identity update that adds this installation has been published and seen. */
  registered: boolean;
  createdAtNs: bigint;
  /**
   * The root of the push-filter HMAC keys (libxmtp `user_preferences.hmac_key`: 42 random bytes
   * per user). Records made before it have none: their root is derived from the installation key
   * (hmacRoot.ts). Secret: encrypt at rest.
   */
  hmacRootKey?: Uint8Array;
}

export type ConversationKind = 'dm' | 'group';
export type ConsentState = 'unknown' | 'allowed' | 'denied';
export type MembershipState = 'allowed' | 'pending' | 'rejected';

/** A conversation's local metadata: everything list() needs without the MLS state. */
export interface GroupRecord {
  /** Hex MLS group id. */
  id: string;
  kind: ConversationKind;
  /** For a DM: `dm:<inboxA>:<inboxB>` with the two inbox ids sorted (libxmtp `DmMembers`). */
  dmId?: string;
  createdAtNs: bigint;
  /** The inbox that added us (a welcome's sender), or our own when we created it. */
  addedByInboxId: string;
  consentState: ConsentState;
  consentUpdatedAtNs: bigint;
  /** Ours in the group: left (removed) groups stay listed but are read-only. */
  membershipState: MembershipState;
  active: boolean;
  /** The node id of the last group message applied (or skipped) in order; 0 before any. */
  cursor: bigint;
  /** The node id of the welcome we joined through, when we joined through one. */
  welcomeId?: bigint;
  /** sentAtNs of the newest message, to order conversation lists. */
  lastMessageAtNs: bigint;
  /**
   * When a commit of ours last replaced our leaf's keys (keyRotation.ts): 0 for a group joined by
   * welcome until its first self-update; missing in records written before it (counted from
   * createdAtNs).
   */
  keysRotatedAtNs?: bigint;
  /** Messages this installation sent to the group since then (a rotation trigger). */
  sentSinceKeyRotation?: number;
  /**
   * The disappearing-message settings of the group's stored MLS state (0xff00), written in the
   * batch that writes a state with new extensions, so the sweep finds the groups with settings
   * without decoding any state. `null`: none. Missing (records written before it, or metadata
   * that does not parse): unknown, so the sweep reads the state once and records them.
   */
  disappearing?: DisappearingSettings | null;
  /**
   * The group messages this member did not show (undecryptable, unauthenticated, or from a sender
   * removed before them), oldest first and at most MAX_REFUSED_PER_GROUP: for diagnostics only,
   * never a message, so anyone who can publish to the group's topic reaches no screen.
   */
  refused?: RefusedMessage[];
}

/** One group message refused on receipt: what is needed to tell what happened, none of its bytes. */
export interface RefusedMessage {
  /** The node's id of the group message. */
  sequenceId: bigint;
  /** The node's timestamp. */
  sentAtNs: bigint;
  /** Hex SHA-256 of the wire bytes. */
  wireId: string;
  /** What the message claimed to be: application data or a commit/proposal. */
  kind: MessageKind;
  /** Why: a ParleyError code and short message. */
  error: { code: string; message: string };
  /** Set only when the sender leaf was authenticated (its signature checked). */
  senderInboxId?: string;
  senderInstallationId?: string;
}

/**
 * MLS state, opaque to the store (it holds secrets: encrypt at rest). The engine keeps each group
 * in three records, each written in the batch of the change that made it (see groupState.ts):
 * `<groupId>` with the secret-tree nodes a message ratcheted, `<groupId>/secrets` with the secret
 * tree they apply to, and `<groupId>/epoch` with what changes only with the epoch (ratchet tree,
 * key schedule, past epochs' receiver data), so a message rewrites neither tree. A store keys them
 * by `groupId` like any other record.
 */
export interface GroupStateRecord {
  groupId: string;
  epoch: bigint;
  /** ts-mls TLS-encoded RatchetTree (empty in the per-message record). */
  ratchetTree: Uint8Array;
  /** The engine's framing of the rest of the ts-mls state. */
  state: Uint8Array;
}

export type MessageKind = 'application' | 'membershipChange';
export type DeliveryStatus = 'unpublished' | 'published' | 'failed';

export interface MessageRecord {
  /** Hex message id (libxmtp `calculate_message_id`). */
  id: string;
  groupId: string;
  kind: MessageKind;
  senderInboxId: string;
  /** Hex installation id of the sender; empty when unknown (undecryptable messages). */
  senderInstallationId: string;
  /** The node's timestamp for received messages; our clock for our optimistic sends. */
  sentAtNs: bigint;
  /** Encoded EncodedContent; empty when the message could not be decrypted or decoded. */
  content: Uint8Array;
  /** `authority/type:major.minor`, e.g. `xmtp.org/text:1.0`; empty when unknown. */
  contentType: string;
  deliveryStatus: DeliveryStatus;
  /** The node's id of the group message, once published and seen. */
  sequenceId?: bigint;
  /** Why this message is unreadable, when it is: a ParleyError code and short message. */
  error?: { code: string; message: string };
}

export interface MessageQuery {
  /** Most messages to return. */
  limit?: number;
  /** Only messages sent strictly before / after these times. */
  beforeNs?: bigint;
  afterNs?: bigint;
  /** 'ascending' (default): oldest first; 'descending': newest first. The limit applies from that end. */
  direction?: 'ascending' | 'descending';
  kind?: MessageKind;
  deliveryStatus?: DeliveryStatus;
}

/** Sent times, in ns, of a group's expired messages: fromNs ≤ sentAtNs ≤ toNs. */
export interface ExpiredWindow {
  fromNs: bigint;
  toNs: bigint;
}

/** Whether a message can disappear at all: published application messages (libxmtp delete_expired_messages). */
export function isExpirable(m: Pick<MessageRecord, 'kind' | 'deliveryStatus'>): boolean {
  return m.kind === 'application' && m.deliveryStatus === 'published';
}

export interface GroupQuery {
  kind?: ConversationKind;
  consentStates?: readonly ConsentState[];
  dmId?: string;
}

export type IntentKind = 'sendMessage' | 'updateMetadata' | 'updateMembership' | 'keyUpdate' | 'updateAdminList' | 'updatePermission';
export type IntentState = 'toPublish' | 'published' | 'committed' | 'error';

/**
 * Work that changes a group, kept until it is done so it survives a crash and can be retried
 * (libxmtp `group_intents`). A published commit waits here, with the state it would lead to, until
 * the commit comes back from the node in order (accepted) or another commit wins its epoch.
 */
export interface IntentRecord {
  id: string;
  groupId: string;
  kind: IntentKind;
  state: IntentState;
  /** The intent's parameters, encoded by the client (enough to rebuild it on a new epoch). */
  data: Uint8Array;
  /** The wire bytes to publish (MLSMessage); a retry re-sends exactly these. */
  payload?: Uint8Array;
  /** The epoch the payload was built in. */
  publishedInEpoch?: bigint;
  /** For a commit: the MLS state after it (same split as GroupStateRecord), applied when it is accepted. */
  stagedState?: { epoch: bigint; ratchetTree: Uint8Array; state: Uint8Array };
  /** For a commit that adds members: the welcomes to send once it is accepted, encoded by the client. */
  postCommit?: Uint8Array;
  /** For a message: the id of its optimistic MessageRecord. */
  messageId?: string;
  attempts: number;
  createdAtNs: bigint;
}

/** The private half of a key package we uploaded; holds secrets: encrypt at rest. */
export interface KeyPackageRecord {
  /** Hex of the init public key (a welcome names the key package by it: `hpke_public_key`). */
  id: string;
  /** ts-mls TLS KeyPackage (what was uploaded). */
  keyPackage: Uint8Array;
  /** The private keys, encoded by the client. */
  privateKeys: Uint8Array;
  createdAtNs: bigint;
  /** When set, the key package has been replaced and its keys may be deleted after this time. */
  deleteAtNs?: bigint;
}

/** An inbox's identity updates as fetched (GetIdentityUpdates), for membership checks without refetching. */
export interface IdentityLogRecord {
  inboxId: string;
  updates: { sequenceId: bigint; serverTimestampNs: bigint; update: Uint8Array }[];
}
