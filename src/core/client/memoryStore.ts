import { ParleyError } from '../errors';
import { isExpirable } from './store';
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
} from './store';

/**
 * A ClientStore in memory, for tests and short-lived agents. Records are copied on the way in and
 * out, as a persistent store would, so that no caller can alias the stored state.
 */
export function createMemoryStore(): ClientStore {
  return new MemoryStore();
}

class MemoryStore implements ClientStore {
  private identity: IdentityRecord | undefined;
  private readonly groups = new Map<string, GroupRecord>();
  private readonly states = new Map<string, GroupStateRecord>();
  private readonly messages = new Map<string, MessageRecord>();
  private readonly messagesByGroup = new Map<string, Set<string>>();
  private readonly intents = new Map<string, IntentRecord>();
  private readonly keyPackages = new Map<string, KeyPackageRecord>();
  private readonly cursors = new Map<string, bigint>();
  private readonly identityLogs = new Map<string, IdentityLogRecord>();
  private closed = false;

  async getIdentity(): Promise<IdentityRecord | undefined> {
    this.checkOpen();
    return copy(this.identity);
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    this.checkOpen();
    return copy(this.groups.get(groupId));
  }

  async listGroups(query: GroupQuery = {}): Promise<GroupRecord[]> {
    this.checkOpen();
    const out: GroupRecord[] = [];
    for (const g of this.groups.values()) {
      if (query.kind !== undefined && g.kind !== query.kind) continue;
      if (query.dmId !== undefined && g.dmId !== query.dmId) continue;
      if (query.consentStates !== undefined && !query.consentStates.includes(g.consentState)) continue;
      out.push(copy(g));
    }
    return out.sort((a, b) => cmpBig(a.createdAtNs, b.createdAtNs) || cmpStr(a.id, b.id));
  }

  async getGroupState(groupId: string): Promise<GroupStateRecord | undefined> {
    this.checkOpen();
    return copy(this.states.get(groupId));
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    this.checkOpen();
    return copy(this.messages.get(messageId));
  }

  async listMessages(groupId: string, query: MessageQuery = {}): Promise<MessageRecord[]> {
    this.checkOpen();
    const ids = this.messagesByGroup.get(groupId);
    if (!ids) return [];
    let list: MessageRecord[] = [];
    for (const id of ids) {
      const m = this.messages.get(id);
      if (!m) continue;
      if (query.beforeNs !== undefined && !(m.sentAtNs < query.beforeNs)) continue;
      if (query.afterNs !== undefined && !(m.sentAtNs > query.afterNs)) continue;
      if (query.kind !== undefined && m.kind !== query.kind) continue;
      if (query.deliveryStatus !== undefined && m.deliveryStatus !== query.deliveryStatus) continue;
      list.push(m);
    }
    list.sort(compareMessages);
    if (query.direction === 'descending') list.reverse();
    if (query.limit !== undefined) list = list.slice(0, Math.max(0, query.limit));
    return list.map((m) => copy(m));
  }

  async getIntent(intentId: string): Promise<IntentRecord | undefined> {
    this.checkOpen();
    return copy(this.intents.get(intentId));
  }

  async listIntents(groupId?: string): Promise<IntentRecord[]> {
    this.checkOpen();
    const out = [...this.intents.values()].filter((i) => groupId === undefined || i.groupId === groupId);
    out.sort((a, b) => cmpBig(a.createdAtNs, b.createdAtNs) || cmpStr(a.id, b.id));
    return out.map((i) => copy(i));
  }

  async getKeyPackage(keyPackageId: string): Promise<KeyPackageRecord | undefined> {
    this.checkOpen();
    return copy(this.keyPackages.get(keyPackageId));
  }

  async listKeyPackages(): Promise<KeyPackageRecord[]> {
    this.checkOpen();
    return [...this.keyPackages.values()].sort((a, b) => cmpBig(a.createdAtNs, b.createdAtNs)).map((k) => copy(k));
  }

  async getCursor(key: string): Promise<bigint | undefined> {
    this.checkOpen();
    return this.cursors.get(key);
  }

  async getIdentityLog(inboxId: string): Promise<IdentityLogRecord | undefined> {
    this.checkOpen();
    return copy(this.identityLogs.get(inboxId));
  }

  async commit(batch: StoreBatch): Promise<void> {
    this.checkOpen();
    // Copy every record first: a structuredClone failure (a function in a record) must leave nothing applied.
    const ops = batch.map((op) => copy(op));
    for (const op of ops) this.apply(op);
  }

  async deleteExpiredMessages(groupId: string, window: ExpiredWindow): Promise<number> {
    this.checkOpen();
    const ids = this.messagesByGroup.get(groupId);
    if (!ids) return 0;
    let deleted = 0;
    for (const id of [...ids]) {
      const m = this.messages.get(id);
      if (m === undefined || !isExpirable(m) || m.sentAtNs < window.fromNs || m.sentAtNs > window.toNs) continue;
      this.messages.delete(id);
      ids.delete(id);
      deleted++;
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private apply(op: StoreOp): void {
    switch (op.op) {
      case 'putIdentity':
        this.identity = op.record;
        return;
      case 'putGroup':
        this.groups.set(op.record.id, op.record);
        return;
      case 'putGroupState':
        this.states.set(op.record.groupId, op.record);
        return;
      case 'deleteGroupState':
        this.states.delete(op.groupId);
        return;
      case 'putMessage': {
        const old = this.messages.get(op.record.id);
        if (old && old.groupId !== op.record.groupId) this.messagesByGroup.get(old.groupId)?.delete(old.id);
        this.messages.set(op.record.id, op.record);
        let set = this.messagesByGroup.get(op.record.groupId);
        if (!set) this.messagesByGroup.set(op.record.groupId, (set = new Set()));
        set.add(op.record.id);
        return;
      }
      case 'deleteMessage': {
        const old = this.messages.get(op.messageId);
        if (old) this.messagesByGroup.get(old.groupId)?.delete(old.id);
        this.messages.delete(op.messageId);
        return;
      }
      case 'putIntent':
        this.intents.set(op.record.id, op.record);
        return;
      case 'deleteIntent':
        this.intents.delete(op.intentId);
        return;
      case 'putKeyPackage':
        this.keyPackages.set(op.record.id, op.record);
        return;
      case 'deleteKeyPackage':
        this.keyPackages.delete(op.keyPackageId);
        return;
      case 'setCursor':
        this.cursors.set(op.key, op.value);
        return;
      case 'putIdentityLog':
        this.identityLogs.set(op.record.inboxId, op.record);
        return;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ParleyError('Client.StoreClosed', 'The client store is closed.');
  }
}

/** The message order of the store interface: sentAtNs, then id. */
export function compareMessages(a: MessageRecord, b: MessageRecord): number {
  return cmpBig(a.sentAtNs, b.sentAtNs) || cmpStr(a.id, b.id);
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
