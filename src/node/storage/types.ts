/**
 * The storage contract behind parley-node. Two backends implement it (SQLite in
 * storage/sqlite, PostgreSQL in storage/postgres*); the service layer knows only this file.
 * test/node/storage/conformance.ts checks a backend against every promise written here.
 *
 * Shared rules for every backend:
 * - Every method is async and resolves only once what it wrote is durable (committed and
 *   flushed): the node acknowledges a client's write on that resolution.
 * - Ids are bigint, positive, and assigned by the store. Group-message, welcome,
 *   identity-update and commit-log ids each come from one store-wide sequence per kind (as
 *   xmtp-node-go's serial columns do), so they increase per group / installation / inbox in
 *   commit order. A reader that has seen id N on a topic never later sees a smaller id
 *   appear on that topic: with several node processes over one database, the backend must
 *   serialise writers per topic (e.g. PostgreSQL advisory locks) so that holds.
 * - A batch insert is all or nothing.
 * - Byte fields are returned as fresh Uint8Arrays the caller may keep.
 */

/** The identifier of an inbox member, as the address log and the key-package check use it. */
export type MemberKey =
  /** A lowercase 0x-prefixed Ethereum address. */
  | { kind: 'ethereum'; address: string }
  /** A passkey public key, as the identifier string clients send in GetInboxIds (hex). */
  | { kind: 'passkey'; key: string }
  /** An installation's Ed25519 public key. */
  | { kind: 'installation'; installationKey: Uint8Array };

export interface GroupMessageInput {
  groupId: Uint8Array;
  /** The MLS message as the client sent it (a TLS MLSMessage). */
  data: Uint8Array;
  senderHmac: Uint8Array;
  shouldPush: boolean;
  isCommit: boolean;
}

export interface GroupMessageRecord extends GroupMessageInput {
  id: bigint;
  createdNs: bigint;
}

/** `v1` is a wrapped Welcome; `pointer` is a WelcomePointer (libxmtp welcome_pointer.proto). */
export type WelcomeKind = 'v1' | 'pointer';

export interface WelcomeInput {
  kind: WelcomeKind;
  installationKey: Uint8Array;
  /** `data` for v1, `welcome_pointer` for a pointer. */
  data: Uint8Array;
  hpkePublicKey: Uint8Array;
  /** The proto enum value (WelcomeWrapperAlgorithm or WelcomePointerWrapperAlgorithm). */
  wrapperAlgorithm: number;
  /** Empty for pointers. */
  welcomeMetadata: Uint8Array;
}

export interface WelcomeRecord extends WelcomeInput {
  id: bigint;
  createdNs: bigint;
}

export interface KeyPackageInput {
  installationKey: Uint8Array;
  /** The inbox named by the key package's credential. */
  inboxId: string;
  /** The TLS-serialized KeyPackage as uploaded. */
  keyPackage: Uint8Array;
  /**
   * Its leaf node's lifetime, Unix seconds, from the validated key package: `notBefore` orders
   * an installation's key packages (the newest is kept), `notAfter` says when it may be expired.
   */
  notBefore: bigint;
  notAfter: bigint;
}

export interface KeyPackageRecord extends KeyPackageInput {
  createdNs: bigint;
}

export interface IdentityUpdateAppend {
  inboxId: string;
  /** The IdentityUpdate protobuf exactly as it will be served back by GetIdentityUpdates. */
  update: Uint8Array;
  /**
   * The newest sequence id of this inbox's log that the caller validated against (0n for an
   * inbox with no log yet). If the log has moved on, the append fails with
   * `Node.StoreConflict` and writes nothing: the caller re-reads, re-validates and retries.
   */
  expectedLastSequenceId: bigint;
  /** Members this update associates with the inbox (for GetInboxIds and key packages). */
  added: readonly MemberKey[];
  /** Members this update revokes. */
  removed: readonly MemberKey[];
}

export interface IdentityUpdateRecord {
  inboxId: string;
  sequenceId: bigint;
  serverTimestampNs: bigint;
  update: Uint8Array;
}

export interface CommitLogInput {
  groupId: Uint8Array;
  serializedEntry: Uint8Array;
  /** A serialized RecoverableEd25519Signature. */
  serializedSignature: Uint8Array;
}

export interface CommitLogRecord extends CommitLogInput {
  sequenceId: bigint;
}

/** What the retention sweep may delete now (service/retention.ts computes it from its policy). */
export interface ExpiryCutoffs {
  /** Welcomes stored (createdNs) before this are deleted; undefined keeps every welcome. */
  welcomesStoredBeforeNs?: bigint;
  /** Key packages whose lifetime ended (notAfter, Unix seconds) before this are deleted. */
  keyPackagesExpiredBeforeS: bigint;
  /**
   * Key packages uploaded before this whose installation no inbox holds now (revoked, or never
   * registered): fetchKeyPackages would never serve them again.
   */
  unownedKeyPackagesStoredBeforeNs: bigint;
  /** The most rows of each kind one call deletes (the caller calls again while it is reached). */
  limit: number;
}

export type SortDirection = 'ascending' | 'descending';

/** A page of a topic: ids strictly after (ascending) or before (descending) `cursor`. */
export interface PageRequest {
  direction: SortDirection;
  /** 0n means from the start (ascending) or from the newest (descending). */
  cursor: bigint;
  /** 1..(backend's own maximum, at least 1000). */
  limit: number;
}

/** A committed change, for live subscriptions. */
export type StoreEvent =
  | { kind: 'groupMessages'; records: readonly GroupMessageRecord[] }
  | { kind: 'welcomes'; records: readonly WelcomeRecord[] };

export type StoreListener = (event: StoreEvent) => void;

export interface NodeStore {
  readonly backend: 'sqlite' | 'postgres';

  // --- identity -------------------------------------------------------------------

  /** Appends one validated update to an inbox's log; see `expectedLastSequenceId`. */
  appendIdentityUpdate(input: IdentityUpdateAppend): Promise<IdentityUpdateRecord>;
  /** An inbox's whole log in sequence order ([] for an unknown inbox). */
  identityLog(inboxId: string): Promise<IdentityUpdateRecord[]>;
  /** For each request, the updates of that inbox with sequence id > `afterSequenceId`. */
  identityUpdatesAfter(
    requests: readonly { inboxId: string; afterSequenceId: bigint }[],
  ): Promise<IdentityUpdateRecord[][]>;
  /**
   * For each member, the inbox it is currently associated with: the newest association
   * not revoked since (xmtp-node-go's address_log rule), or undefined.
   */
  inboxIdsFor(members: readonly MemberKey[]): Promise<(string | undefined)[]>;

  // --- key packages ---------------------------------------------------------------

  /**
   * Stores an installation's key package unless the stored one is newer by its own lifetime:
   * an input whose `notBefore` is earlier than the stored one's is refused with
   * `Node.StaleKeyPackage` and writes nothing (anyone may re-upload an old key package, and
   * serving it after the client deleted its keys would make the installation uninvitable);
   * an equal or later one replaces it (the same key package again is idempotent). Upload time
   * never decides.
   */
  putKeyPackage(input: KeyPackageInput): Promise<KeyPackageRecord>;
  /** One entry per requested installation key, in request order. */
  fetchKeyPackages(installationKeys: readonly Uint8Array[]): Promise<(KeyPackageRecord | undefined)[]>;

  // --- welcomes -------------------------------------------------------------------

  /**
   * Stores welcomes in one transaction, in input order. A welcome identical to a stored one
   * (same installation key and data) is not stored again: its stored record is returned.
   */
  insertWelcomes(inputs: readonly WelcomeInput[]): Promise<WelcomeRecord[]>;
  queryWelcomes(installationKey: Uint8Array, page: PageRequest): Promise<WelcomeRecord[]>;

  // --- group messages -------------------------------------------------------------

  /**
   * Stores group messages in one transaction, in input order, each with a new id. A message
   * identical to a stored one (same group and data) is not stored again: its stored record is
   * returned, so a client retrying a write whose acknowledgement it lost gets no duplicate.
   */
  insertGroupMessages(inputs: readonly GroupMessageInput[]): Promise<GroupMessageRecord[]>;
  queryGroupMessages(groupId: Uint8Array, page: PageRequest): Promise<GroupMessageRecord[]>;
  /** One entry per requested group, in request order. */
  newestGroupMessages(groupIds: readonly Uint8Array[]): Promise<(GroupMessageRecord | undefined)[]>;

  // --- commit log -----------------------------------------------------------------

  insertCommitLogEntries(inputs: readonly CommitLogInput[]): Promise<CommitLogRecord[]>;
  /** Entries of a group with sequence id > `afterSequenceId`, ascending, at most `limit`. */
  queryCommitLog(groupId: Uint8Array, afterSequenceId: bigint, limit: number): Promise<CommitLogRecord[]>;

  // --- retention -----------------------------------------------------------------

  /**
   * Deletes what `cutoffs` names, at most `limit` rows per kind, and says how many of each went.
   * Ids are never reused, so a client's cursor stays valid across a deletion.
   */
  deleteExpired(cutoffs: ExpiryCutoffs): Promise<{ welcomes: number; keyPackages: number }>;

  // --- change notification --------------------------------------------------------

  /**
   * Calls `listener` for every group message and welcome newly stored from now on (by this
   * process or, for shared backends, any other), after it is durable, each record exactly once,
   * in id order per topic (group or installation). Deduplicated re-sends are not announced.
   * Listeners must not throw and must not block. Returns the unsubscribe function.
   */
  onChange(listener: StoreListener): () => void;

  /** Finishes in-flight writes, then releases the backend. Later calls reject with `Node.StoreClosed`. */
  close(): Promise<void>;
}
