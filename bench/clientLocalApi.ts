/**
 * A NetworkApi for `npm run bench:client` that can take group messages off the network: in
 * 'local' mode, SendGroupMessages appends to an in-memory log and QueryGroupMessages answers
 * from it, so the engine's own send and receive cost shows without HTTP, gRPC-web or the
 * node's storage. Everything else, and both calls in 'network' mode, goes to the real node.
 *
 * The log holds one group's messages at a time (reading the group id out of each message would
 * add a TLS decode to the very send path being measured): start() empties it for the next group.
 * Local ids start far above any id the node hands out, so a client that received locally must
 * not go back to the network for that group (the bench runs the local phase last).
 */
import { GroupMessage } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import type { NetworkApi } from '../src/core/api/networkApi';
import { bytesEqual } from '../src/core/mls/bytesEqual';

const LOCAL_ID_BASE = 1n << 40n;

/** The in-memory group-message log shared by the clients of one bench. */
export class LocalGroupLog {
  mode: 'network' | 'local' = 'network';
  private messages: GroupMessage[] = [];
  /** The messages' ids, increasing: a query finds its cursor by binary search, as a node's index would. */
  private ids: bigint[] = [];
  private nextId = LOCAL_ID_BASE;
  private groupId: Uint8Array = new Uint8Array();

  /** Takes group messages off the network for `groupId` from now on. */
  start(groupId: Uint8Array): void {
    this.mode = 'local';
    this.messages = [];
    this.ids = [];
    this.groupId = groupId;
  }

  append(data: Uint8Array, senderHmac: Uint8Array): void {
    const id = this.nextId++;
    this.ids.push(id);
    this.messages.push(GroupMessage.fromPartial({
      v1: {
        id: Long.fromBigInt(id, true),
        createdNs: Long.fromBigInt(BigInt(Date.now()) * 1_000_000n, true),
        groupId: this.groupId,
        data,
        senderHmac,
        shouldPush: true,
        isCommit: false,
      },
    }));
  }

  /** The group's messages after `cursor`, oldest first, at most `limit`. */
  after(groupId: Uint8Array, cursor: bigint, limit: number): GroupMessage[] {
    if (!bytesEqual(groupId, this.groupId)) return [];
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.ids[mid]! <= cursor) low = mid + 1;
      else high = mid;
    }
    return this.messages.slice(low, low + limit);
  }
}

/** `inner` with group messages routed through `log` while it is in 'local' mode. */
export function withLocalGroupLog(inner: NetworkApi, log: LocalGroupLog): NetworkApi {
  return {
    async sendGroupMessages(request, opts) {
      if (log.mode === 'network') return inner.sendGroupMessages(request, opts);
      for (const message of request.messages) {
        if (message.v1 !== undefined) log.append(message.v1.data, message.v1.senderHmac);
      }
      return {};
    },
    async queryGroupMessages(request, opts) {
      if (log.mode === 'network') return inner.queryGroupMessages(request, opts);
      // toBigInt, not BigInt(toString()): Long's decimal formatting divides in a loop and was counted as engine time.
      const cursor = request.pagingInfo === undefined ? 0n : BigInt.asUintN(64, request.pagingInfo.idCursor.toBigInt());
      const messages = log.after(request.groupId, cursor, request.pagingInfo?.limit || 100);
      return { messages, pagingInfo: undefined };
    },
    sendWelcomeMessages: (request, opts) => inner.sendWelcomeMessages(request, opts),
    uploadKeyPackage: (request, opts) => inner.uploadKeyPackage(request, opts),
    fetchKeyPackages: (request, opts) => inner.fetchKeyPackages(request, opts),
    queryWelcomeMessages: (request, opts) => inner.queryWelcomeMessages(request, opts),
    subscribeGroupMessages: (request, opts) => inner.subscribeGroupMessages(request, opts),
    subscribeWelcomeMessages: (request, opts) => inner.subscribeWelcomeMessages(request, opts),
    batchPublishCommitLog: (request, opts) => inner.batchPublishCommitLog(request, opts),
    batchQueryCommitLog: (request, opts) => inner.batchQueryCommitLog(request, opts),
    getNewestGroupMessage: (request, opts) => inner.getNewestGroupMessage(request, opts),
    publishIdentityUpdate: (request, opts) => inner.publishIdentityUpdate(request, opts),
    getIdentityUpdates: (request, opts) => inner.getIdentityUpdates(request, opts),
    getInboxIds: (request, opts) => inner.getInboxIds(request, opts),
    verifySmartContractWalletSignatures: (request, opts) => inner.verifySmartContractWalletSignatures(request, opts),
  };
}
