import { IdentifierKind, IdentityUpdate as IdentityUpdateProto } from '@xmtp/proto/identity/associations/association.pb';
import Long from 'long';
import type { NetworkApi } from '../api/networkApi';
import { ParleyError } from '../errors';
import { applyIdentityUpdate } from '../identity/applyIdentityUpdate';
import { LOG_REPLAY_POLICY } from '../identity/associationRules';
import { installationKeys, type AssociationState } from '../identity/associationState';
import { decodeIdentityUpdate } from '../identity/codec';
import { sharedVerifiedSignatureCache, type VerifiedSignatureCache } from '../identity/verifiedSignatureCache';
import { toHex } from './bytes';
import { KeyedMutex } from './mutex';
import type { ClientStore, IdentityLogRecord, StoreOp } from './store';

/** XMTP caps an inbox at 256 identity updates (DESIGN §3); a longer log is not served honestly. */
export const MAX_IDENTITY_UPDATES_PER_INBOX = 256;

/**
 * Inbox lookups and identity-update logs, cached in the store and verified once per process
 * (libxmtp identity_updates.rs load_identity_updates and get_association_state): membership
 * checks need an inbox's installations "as of" a sequence id many times per commit.
 */
export class IdentityDirectory {
  /** inbox → states after each update of the cached log, in log order (verified). */
  private readonly verified = new Map<string, { sequenceIds: bigint[]; states: AssociationState[] }>();
  private readonly verifying = new KeyedMutex();

  constructor(
    private readonly api: NetworkApi,
    private readonly store: ClientStore,
    /** Outlives this directory: a Client rebuilt in the same process finds its members' signatures checked. */
    private readonly signatureCache: VerifiedSignatureCache = sharedVerifiedSignatureCache,
  ) {}

  /** GetInboxIds for Ethereum addresses (lowercased); undefined where the address has no inbox. */
  async inboxIdsFor(addresses: readonly string[]): Promise<Map<string, string | undefined>> {
    const lower = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const out = new Map<string, string | undefined>();
    if (lower.length === 0) return out;
    const response = await this.api.getInboxIds({
      requests: lower.map((identifier) => ({ identifier, identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM })),
    });
    for (const address of lower) out.set(address, undefined);
    for (const r of response.responses) {
      const key = r.identifier.toLowerCase();
      if (out.has(key) && r.inboxId) out.set(key, r.inboxId);
    }
    return out;
  }

  /** Fetches the updates each inbox has after what the store holds, and stores them. */
  async refresh(inboxIds: readonly string[]): Promise<void> {
    const unique = [...new Set(inboxIds)];
    if (unique.length === 0) return;
    const logs = await Promise.all(unique.map((id) => this.store.getIdentityLog(id)));
    const response = await this.api.getIdentityUpdates({
      requests: unique.map((inboxId, i) => ({
        inboxId,
        sequenceId: Long.fromBigInt(lastSequenceId(logs[i]), true),
      })),
    });
    const ops: StoreOp[] = [];
    for (const [i, inboxId] of unique.entries()) {
      const existing = logs[i]?.updates ?? [];
      const last = lastSequenceId(logs[i]);
      const fresh: IdentityLogRecord['updates'] = [];
      for (const u of response.responses.find((r) => r.inboxId === inboxId)?.updates ?? []) {
        const sequenceId = BigInt.asUintN(64, u.sequenceId.toBigInt());
        if (u.update === undefined || sequenceId <= last) continue;
        fresh.push({
          sequenceId,
          serverTimestampNs: BigInt.asUintN(64, u.serverTimestampNs.toBigInt()),
          update: new Uint8Array(IdentityUpdateProto.encode(u.update).finish()),
        });
      }
      fresh.sort((a, b) => (a.sequenceId < b.sequenceId ? -1 : a.sequenceId > b.sequenceId ? 1 : 0));
      if (fresh.length === 0) continue;
      const updates = [...existing, ...fresh];
      if (updates.length > MAX_IDENTITY_UPDATES_PER_INBOX) {
        throw new ParleyError('Identity.TooManyUpdates', 'An inbox has more identity updates than XMTP allows.', {
          details: `${inboxId}: ${updates.length}`,
        });
      }
      ops.push({ op: 'putIdentityLog', record: { inboxId, updates } });
    }
    if (ops.length > 0) await this.store.commit(ops);
  }

  /** The newest sequence id of the inbox's log after a refresh; 0 for an inbox without updates. */
  async latestSequenceId(inboxId: string, refresh = true): Promise<bigint> {
    if (refresh) await this.refresh([inboxId]);
    return lastSequenceId(await this.store.getIdentityLog(inboxId));
  }

  /**
   * The inbox's association state after every update with sequence id ≤ `sequenceId` (all of the
   * cached log when undefined); fetches the log first when it does not reach that far. An inbox
   * with no update at or before it has no state: undefined.
   */
  async stateAt(inboxId: string, sequenceId?: bigint): Promise<AssociationState | undefined> {
    let log = await this.store.getIdentityLog(inboxId);
    if (log === undefined || (sequenceId !== undefined && lastSequenceId(log) < sequenceId)) {
      await this.refresh([inboxId]);
      log = await this.store.getIdentityLog(inboxId);
    }
    if (log === undefined) return undefined;
    const chain = await this.verifiedChain(log);
    let index = chain.sequenceIds.length - 1;
    if (sequenceId !== undefined) {
      while (index >= 0 && (chain.sequenceIds[index] as bigint) > sequenceId) index--;
    }
    return index < 0 ? undefined : chain.states[index];
  }

  /** Hex installation ids of the inbox as of `sequenceId`. */
  async installationsAt(inboxId: string, sequenceId?: bigint): Promise<Set<string>> {
    const state = await this.stateAt(inboxId, sequenceId);
    return new Set(state === undefined ? [] : installationKeys(state).map(toHex));
  }

  private verifiedChain(log: IdentityLogRecord): Promise<{ sequenceIds: bigint[]; states: AssociationState[] }> {
    // One verifier per inbox at a time, so concurrent lookups extend the chain once.
    return this.verifying.run(log.inboxId, () => this.extendChain(log));
  }

  private async extendChain(log: IdentityLogRecord): Promise<{ sequenceIds: bigint[]; states: AssociationState[] }> {
    let chain = this.verified.get(log.inboxId);
    if (chain === undefined) {
      chain = { sequenceIds: [], states: [] };
      this.verified.set(log.inboxId, chain);
    }
    for (let i = chain.states.length; i < log.updates.length; i++) {
      const entry = log.updates[i] as IdentityLogRecord['updates'][number];
      const update = decodeIdentityUpdate(entry.update);
      if (update.inboxId !== log.inboxId) {
        throw new ParleyError('Identity.InboxIdMismatch', 'An identity update in the log names another inbox.', {
          details: `${update.inboxId} in the log of ${log.inboxId}`,
        });
      }
      const { state } = await applyIdentityUpdate(chain.states[i - 1], update, {
        policy: LOG_REPLAY_POLICY,
        signatureCache: this.signatureCache,
      });
      chain.states.push(state);
      chain.sequenceIds.push(entry.sequenceId);
    }
    return chain;
  }
}

function lastSequenceId(log: IdentityLogRecord | undefined): bigint {
  return log?.updates[log.updates.length - 1]?.sequenceId ?? 0n;
}
