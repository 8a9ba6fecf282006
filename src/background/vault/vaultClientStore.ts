import type {
  ClientStore,
  ExpiredWindow,
  GroupQuery,
  GroupRecord,
  GroupStateRecord,
  IdentityLogRecord,
  IdentityRecord,
  IntentRecord,
  KeyPackageRecord,
  MessageQuery,
  MessageRecord,
  StoreBatch,
  StoreOp,
} from '../../core/client/store';
import { isExpirable } from '../../core/client/store';
import { ParleyError } from '../../core/errors';
import type { PreparedWrite, RecordName, TimeSlot } from './sealedRecords';
import type { Vault } from './vault';

/** The record kinds of one identity's messaging state. */
const KIND = {
  identity: 'identity',
  group: 'group',
  groupState: 'groupState',
  message: 'message',
  intent: 'intent',
  keyPackage: 'keyPackage',
  cursor: 'cursor',
  identityLog: 'identityLog',
} as const;

export const CLIENT_STORE_KINDS = Object.values(KIND);

/**
 * The messaging engine's ClientStore over the vault, one per identity (its id is the scope).
 * Reads decrypt; `commit` seals every record of the batch first and then applies them all in
 * one IndexedDB transaction, so MLS state, message and cursor change together (DESIGN §5).
 */
export function vaultClientStore(vault: Vault, identityId: string): ClientStore {
  return new VaultClientStore(vault, identityId);
}

/** Sent times of one group in which no expirable message is stored: fromNs ≤ sentAtNs ≤ toNs. */
interface SweptRange {
  fromNs: bigint;
  toNs: bigint;
}

class VaultClientStore implements ClientStore {
  private closed = false;
  /**
   * Per group, the range the sweeps have emptied of expirable messages, so that the next sweep
   * opens only the rows after it instead of every group update and unsent message of the whole
   * window again (kind and status are sealed: a row must be opened to be judged). In memory: the
   * first sweep after a worker wake reads the whole window once.
   */
  private readonly swept = new Map<string, SweptRange>();
  /** Per group, counts the expirable messages written, so that a sweep they overlap does not record its range. */
  private readonly expirableWrites = new Map<string, number>();

  constructor(
    private readonly vault: Vault,
    private readonly scope: string,
  ) {}

  private name(kind: string, key = ''): RecordName {
    return { scope: this.scope, kind, key };
  }

  private async read<T>(kind: string, key = ''): Promise<T | undefined> {
    this.checkOpen();
    return (await this.vault.records.get(this.name(kind, key))) as T | undefined;
  }

  private async readAll<T>(kind: string): Promise<T[]> {
    this.checkOpen();
    return (await this.vault.records.list(this.scope, kind)) as T[];
  }

  getIdentity(): Promise<IdentityRecord | undefined> {
    return this.read(KIND.identity);
  }

  getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return this.read(KIND.group, groupId);
  }

  async listGroups(query: GroupQuery = {}): Promise<GroupRecord[]> {
    const groups = await this.readAll<GroupRecord>(KIND.group);
    return groups
      .filter(
        (g) =>
          (query.kind === undefined || g.kind === query.kind) &&
          (query.dmId === undefined || g.dmId === query.dmId) &&
          (query.consentStates === undefined || query.consentStates.includes(g.consentState)),
      )
      .sort((a, b) => cmp(a.createdAtNs, b.createdAtNs) || cmp(a.id, b.id));
  }

  getGroupState(groupId: string): Promise<GroupStateRecord | undefined> {
    return this.read(KIND.groupState, groupId);
  }

  getMessage(messageId: string): Promise<MessageRecord | undefined> {
    return this.read(KIND.message, messageId);
  }

  async listMessages(groupId: string, query: MessageQuery = {}): Promise<MessageRecord[]> {
    this.checkOpen();
    const descending = query.direction === 'descending';
    const filtered = query.kind !== undefined || query.deliveryStatus !== undefined;
    const range: Parameters<Vault['records']['listByTime']>[2] = { direction: descending ? 'prev' : 'next' };
    if (query.afterNs !== undefined) range.afterNs = query.afterNs;
    if (query.beforeNs !== undefined) range.beforeNs = query.beforeNs;
    // Filters on sealed fields need the records opened, so a filtered page reads the whole range.
    if (query.limit !== undefined && !filtered) range.count = Math.max(0, query.limit);
    const rows = (await this.vault.records.listByTime(this.scope, groupId, range)) as MessageRecord[];
    let list = rows.filter(
      (m) =>
        m.groupId === groupId &&
        (query.kind === undefined || m.kind === query.kind) &&
        (query.deliveryStatus === undefined || m.deliveryStatus === query.deliveryStatus),
    );
    list.sort((a, b) => cmp(a.sentAtNs, b.sentAtNs) || cmp(a.id, b.id));
    if (descending) list.reverse();
    if (query.limit !== undefined) list = list.slice(0, Math.max(0, query.limit));
    return list;
  }

  getIntent(intentId: string): Promise<IntentRecord | undefined> {
    return this.read(KIND.intent, intentId);
  }

  async listIntents(groupId?: string): Promise<IntentRecord[]> {
    const intents = await this.readAll<IntentRecord>(KIND.intent);
    return intents.filter((i) => groupId === undefined || i.groupId === groupId).sort((a, b) => cmp(a.createdAtNs, b.createdAtNs) || cmp(a.id, b.id));
  }

  getKeyPackage(keyPackageId: string): Promise<KeyPackageRecord | undefined> {
    return this.read(KIND.keyPackage, keyPackageId);
  }

  async listKeyPackages(): Promise<KeyPackageRecord[]> {
    return (await this.readAll<KeyPackageRecord>(KIND.keyPackage)).sort((a, b) => cmp(a.createdAtNs, b.createdAtNs));
  }

  async getCursor(key: string): Promise<bigint | undefined> {
    return this.read<bigint>(KIND.cursor, key);
  }

  getIdentityLog(inboxId: string): Promise<IdentityLogRecord | undefined> {
    return this.read(KIND.identityLog, inboxId);
  }

  async commit(batch: StoreBatch): Promise<void> {
    this.checkOpen();
    // Sealing is async WebCrypto: all of it before the transaction opens.
    const writes = await Promise.all(batch.map((op) => this.prepare(op)));
    try {
      this.checkOpen();
    } catch (e) {
      for (const w of writes) if ('put' in w) w.plain?.fill(0);
      throw e;
    }
    try {
      await this.vault.records.write(writes);
    } finally {
      // After the write (even a failed one, in case it landed): a sweep that read before it then sees the count moved.
      for (const op of batch) if (op.op === 'putMessage' && isExpirable(op.record)) this.noteExpirableWrite(op.record.groupId, op.record.sentAtNs);
    }
  }

  /** An expirable message now stored at `sentAtNs`: the swept range ends before it. */
  private noteExpirableWrite(groupId: string, sentAtNs: bigint): void {
    this.expirableWrites.set(groupId, (this.expirableWrites.get(groupId) ?? 0) + 1);
    const swept = this.swept.get(groupId);
    if (swept === undefined || sentAtNs < swept.fromNs || sentAtNs > swept.toNs) return;
    if (sentAtNs === swept.fromNs) this.swept.delete(groupId);
    else this.swept.set(groupId, { fromNs: swept.fromNs, toNs: sentAtNs - 1n });
  }

  /**
   * Kind and status are sealed, so the window's rows are read (one index range) and opened, then
   * the expirable ones deleted in one transaction. Rows in the range already swept are skipped;
   * a window that starts before that range (the settings changed) is read whole. A message
   * written in between is at worst left for the next sweep (the swept range then stays as it
   * was); a deleted one read meanwhile was expired anyway.
   */
  async deleteExpiredMessages(groupId: string, window: ExpiredWindow): Promise<number> {
    this.checkOpen();
    if (window.fromNs > window.toNs) return 0;
    const swept = this.swept.get(groupId);
    const covered = swept !== undefined && swept.fromNs <= window.fromNs && swept.toNs >= window.fromNs ? swept.toNs : undefined;
    const fromNs = covered === undefined ? window.fromNs : covered + 1n;
    if (fromNs > window.toNs) return 0;
    const writesBefore = this.expirableWrites.get(groupId) ?? 0;
    const range: Parameters<Vault['records']['listByTime']>[2] = { beforeNs: window.toNs + 1n, direction: 'next' };
    if (fromNs > 0n) range.afterNs = fromNs - 1n;
    const rows = (await this.vault.records.listByTime(this.scope, groupId, range)) as MessageRecord[];
    const expired = rows.filter((m) => m.groupId === groupId && isExpirable(m) && m.sentAtNs >= fromNs && m.sentAtNs <= window.toNs);
    if (expired.length > 0) {
      const writes = await Promise.all(expired.map((m) => this.vault.records.prepareDelete(this.name(KIND.message, m.id))));
      this.checkOpen();
      await this.vault.records.write(writes);
    }
    if ((this.expirableWrites.get(groupId) ?? 0) === writesBefore) this.swept.set(groupId, { fromNs: window.fromNs, toNs: window.toNs });
    return expired.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private prepare(op: StoreOp): Promise<PreparedWrite> {
    const put = (kind: string, key: string, record: unknown, slot?: TimeSlot) => this.vault.records.preparePut(this.name(kind, key), record, slot);
    const del = (kind: string, key: string) => this.vault.records.prepareDelete(this.name(kind, key));
    switch (op.op) {
      case 'putIdentity':
        return put(KIND.identity, '', op.record);
      case 'putGroup':
        return put(KIND.group, op.record.id, op.record);
      case 'putGroupState':
        return put(KIND.groupState, op.record.groupId, op.record);
      case 'deleteGroupState':
        return del(KIND.groupState, op.groupId);
      case 'putMessage':
        return put(KIND.message, op.record.id, op.record, { groupId: op.record.groupId, sentAtNs: op.record.sentAtNs });
      case 'deleteMessage':
        return del(KIND.message, op.messageId);
      case 'putIntent':
        return put(KIND.intent, op.record.id, op.record);
      case 'deleteIntent':
        return del(KIND.intent, op.intentId);
      case 'putKeyPackage':
        return put(KIND.keyPackage, op.record.id, op.record);
      case 'deleteKeyPackage':
        return del(KIND.keyPackage, op.keyPackageId);
      case 'setCursor':
        return put(KIND.cursor, op.key, op.value);
      case 'putIdentityLog':
        return put(KIND.identityLog, op.record.inboxId, op.record);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ParleyError('Vault.Locked', 'This identity\'s store is closed.');
    this.vault.requireKeyring();
  }
}

function cmp<T extends bigint | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
