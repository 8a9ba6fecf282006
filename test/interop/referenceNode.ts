import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import {
  Metadata,
  Server,
  ServerCredentials,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type ServerWritableStream,
  type ServerDuplexStream,
} from '@grpc/grpc-js';
import {
  GetIdentityUpdatesRequest,
  GetIdentityUpdatesResponse,
  GetInboxIdsRequest,
  GetInboxIdsResponse,
  PublishIdentityUpdateRequest,
} from '@xmtp/proto/identity/api/v1/identity.pb';
import type { IdentityUpdate } from '@xmtp/proto/identity/associations/association.pb';
import {
  FetchKeyPackagesRequest,
  FetchKeyPackagesResponse,
  GetNewestGroupMessageRequest,
  GetNewestGroupMessageResponse,
  GroupMessage,
  QueryGroupMessagesRequest,
  QueryGroupMessagesResponse,
  QueryWelcomeMessagesRequest,
  QueryWelcomeMessagesResponse,
  SendGroupMessagesRequest,
  SendWelcomeMessagesRequest,
  SortDirection,
  SubscribeGroupMessagesRequest,
  SubscribeWelcomeMessagesRequest,
  UploadKeyPackageRequest,
  WelcomeMessage,
  type PagingInfo,
} from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { decodeMlsMessage } from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';

/** One call the node received, in arrival order. */
export interface RecordedCall {
  /** `Service/Method`, e.g. `IdentityApi/GetInboxIds`. */
  method: string;
  request: Uint8Array;
}

type Kind = 'unary' | 'server-stream' | 'bidi';

// The methods of xmtp.mls.api.v1.MlsApi and xmtp.identity.api.v1.IdentityApi
// (@xmtp/proto 3.96.0, mls/api/v1/mls.pb and identity/api/v1/identity.pb).
const SERVICES: Record<string, Record<string, Kind>> = {
  'xmtp.mls.api.v1.MlsApi': {
    SendGroupMessages: 'unary',
    SendWelcomeMessages: 'unary',
    RegisterInstallation: 'unary',
    UploadKeyPackage: 'unary',
    FetchKeyPackages: 'unary',
    RevokeInstallation: 'unary',
    GetIdentityUpdates: 'unary',
    QueryGroupMessages: 'unary',
    QueryWelcomeMessages: 'unary',
    SubscribeGroupMessages: 'server-stream',
    SubscribeWelcomeMessages: 'server-stream',
    Subscribe: 'bidi',
    BatchPublishCommitLog: 'unary',
    BatchQueryCommitLog: 'unary',
    GetNewestGroupMessage: 'unary',
  },
  'xmtp.identity.api.v1.IdentityApi': {
    PublishIdentityUpdate: 'unary',
    GetIdentityUpdates: 'unary',
    GetInboxIds: 'unary',
    VerifySmartContractWalletSignatures: 'unary',
  },
};

/** Calls that change state: the journal holds these, and replays them at start. */
const WRITES = new Set([
  'IdentityApi/PublishIdentityUpdate',
  'MlsApi/UploadKeyPackage',
  'MlsApi/SendGroupMessages',
  'MlsApi/SendWelcomeMessages',
]);

const raw = {
  serialize: (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  deserialize: (bytes: Buffer): Uint8Array => new Uint8Array(bytes),
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const EMPTY = new Uint8Array();
const DEFAULT_PAGE = 100;

interface StoredGroupMessage { id: number; createdNs: bigint; groupId: Uint8Array; data: Uint8Array; senderHmac: Uint8Array; shouldPush: boolean; isCommit: boolean }
type StoredWelcome = { id: number; createdNs: bigint; installationKey: Uint8Array; message: WelcomeMessage };

/**
 * A deliberately simple XMTP node: the harness's control, not the product. It records
 * every call; relays identity updates, key packages, welcomes and group messages with
 * increasing ids; answers queries and subscriptions; validates nothing beyond reading the
 * group id of a message and the installation key of a key package (with ts-mls). With a
 * journal file it keeps every write (fdatasync before answering) and replays them at
 * start, so it survives a SIGKILL like a node should.
 */
export class ReferenceNode {
  readonly calls: RecordedCall[] = [];
  private readonly identity = new Map<string, IdentityUpdate[]>();
  private readonly inboxByAddress = new Map<string, string>();
  private readonly keyPackages = new Map<string, Uint8Array>();
  private readonly groupMessages: StoredGroupMessage[] = [];
  private readonly welcomes: StoredWelcome[] = [];
  private readonly groupListeners = new Set<(m: StoredGroupMessage) => void>();
  private readonly welcomeListeners = new Set<(w: StoredWelcome) => void>();
  private nextGroupMessageId = 1;
  private nextWelcomeId = 1;
  private journalFd: number | undefined;
  private server: Server | undefined;
  port = 0;

  /** Starts on 127.0.0.1 (`port` 0 picks a free one), replaying `journalPath` if it exists. */
  static async start(options: { port?: number; journalPath?: string } = {}): Promise<ReferenceNode> {
    const node = new ReferenceNode();
    if (options.journalPath) node.openJournal(options.journalPath);
    await node.listen(options.port ?? 0);
    return node;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The identity updates published so far, per inbox id. */
  publishedUpdates(inboxId: string): readonly IdentityUpdate[] {
    return this.identity.get(inboxId) ?? [];
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) {
      server.forceShutdown();
      this.server = undefined;
    }
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  private openJournal(path: string): void {
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        // A torn last line is a write that was never acknowledged.
        if (!line.endsWith('}')) continue;
        const entry = JSON.parse(line) as { m: string; b: string; t: string };
        this.apply(entry.m, new Uint8Array(Buffer.from(entry.b, 'base64')), BigInt(entry.t));
      }
    }
    this.journalFd = openSync(path, 'a');
  }

  private async listen(port: number): Promise<void> {
    const server = new Server();
    for (const [serviceName, methods] of Object.entries(SERVICES)) {
      const definition: Record<string, MethodDefinition<Uint8Array, Uint8Array>> = {};
      const implementation: UntypedServiceImplementation = {};
      const short = serviceName.split('.').pop()!;
      for (const [name, kind] of Object.entries(methods)) {
        definition[name] = {
          path: `/${serviceName}/${name}`,
          requestStream: kind === 'bidi',
          responseStream: kind !== 'unary',
          requestSerialize: raw.serialize,
          requestDeserialize: raw.deserialize,
          responseSerialize: raw.serialize,
          responseDeserialize: raw.deserialize,
        };
        implementation[name] = this.handlerFor(`${short}/${name}`, kind);
      }
      server.addService(definition as ServiceDefinition, implementation);
    }
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    this.server = server;
  }

  private handlerFor(method: string, kind: Kind): UntypedServiceImplementation[string] {
    if (kind === 'unary') {
      return (call: { request: Uint8Array }, callback: (error: Error | null, value?: Uint8Array) => void) => {
        this.calls.push({ method, request: call.request });
        try {
          callback(null, this.unary(method, call.request));
        } catch (error) {
          callback(error as Error);
        }
      };
    }
    if (kind === 'server-stream') {
      return (call: ServerWritableStream<Uint8Array, Uint8Array>) => {
        this.calls.push({ method, request: call.request });
        // libxmtp's tonic client waits for response headers before it counts a stream as
        // open, so they go out at once, not with the first message (xmtp-node-go's
        // SubscribeGroupMessages sends `subscribed: true` for this; libxmtp PR #58).
        const headers = new Metadata();
        headers.set('subscribed', 'true');
        call.sendMetadata(headers);
        if (method === 'MlsApi/SubscribeGroupMessages') this.subscribeGroups(call);
        else if (method === 'MlsApi/SubscribeWelcomeMessages') this.subscribeWelcomes(call);
      };
    }
    // The newer multiplexed Subscribe: recorded, never answered (libxmtp's v3 client
    // uses the two per-kind subscriptions).
    return (call: ServerDuplexStream<Uint8Array, Uint8Array>) => {
      call.on('data', (request: Uint8Array) => this.calls.push({ method, request }));
      call.on('end', () => call.end());
    };
  }

  private unary(method: string, request: Uint8Array): Uint8Array {
    if (WRITES.has(method)) {
      const createdNs = BigInt(Date.now()) * 1_000_000n;
      this.apply(method, request, createdNs);
      this.journal(method, request, createdNs);
      return EMPTY;
    }
    switch (method) {
      case 'IdentityApi/GetInboxIds':
        return GetInboxIdsResponse.encode({
          responses: GetInboxIdsRequest.decode(request).requests.map((r) => {
            const inboxId = this.inboxByAddress.get(r.identifier.toLowerCase());
            return { identifier: r.identifier, identifierKind: r.identifierKind, ...(inboxId ? { inboxId } : {}) };
          }),
        }).finish();
      case 'IdentityApi/GetIdentityUpdates':
        return GetIdentityUpdatesResponse.encode({
          responses: GetIdentityUpdatesRequest.decode(request).requests.map((r) => ({
            inboxId: r.inboxId,
            // Sequence ids are 1-based positions in the inbox's log; answer those after the cursor.
            updates: (this.identity.get(r.inboxId) ?? [])
              .map((update, index) => ({
                sequenceId: Long.fromNumber(index + 1, true),
                serverTimestampNs: Long.fromNumber(0, true),
                update,
              }))
              .filter((entry) => entry.sequenceId.greaterThan(r.sequenceId)),
          })),
        }).finish();
      case 'MlsApi/FetchKeyPackages':
        return FetchKeyPackagesResponse.encode({
          keyPackages: FetchKeyPackagesRequest.decode(request).installationKeys.map((key) => ({
            keyPackageTlsSerialized: this.keyPackages.get(hex(key)) ?? EMPTY,
          })),
        }).finish();
      case 'MlsApi/QueryGroupMessages': {
        const q = QueryGroupMessagesRequest.decode(request);
        const groupId = hex(q.groupId);
        const { page, paging } = pageOf(this.groupMessages.filter((m) => hex(m.groupId) === groupId), q.pagingInfo);
        return QueryGroupMessagesResponse.encode({ messages: page.map(toGroupMessage), pagingInfo: paging }).finish();
      }
      case 'MlsApi/QueryWelcomeMessages': {
        const q = QueryWelcomeMessagesRequest.decode(request);
        const key = hex(q.installationKey);
        const { page, paging } = pageOf(this.welcomes.filter((w) => hex(w.installationKey) === key), q.pagingInfo);
        return QueryWelcomeMessagesResponse.encode({ messages: page.map((w) => w.message), pagingInfo: paging }).finish();
      }
      case 'MlsApi/GetNewestGroupMessage':
        return GetNewestGroupMessageResponse.encode({
          responses: GetNewestGroupMessageRequest.decode(request).groupIds.map((id) => {
            const groupId = hex(id);
            const newest = this.groupMessages.filter((m) => hex(m.groupId) === groupId).pop();
            return newest ? { groupMessage: toGroupMessage(newest) } : {};
          }),
        }).finish();
      default:
        return EMPTY;
    }
  }

  private apply(method: string, request: Uint8Array, createdNs: bigint): void {
    switch (method) {
      case 'IdentityApi/PublishIdentityUpdate': {
        const update = PublishIdentityUpdateRequest.decode(request).identityUpdate;
        if (!update) return;
        const log = this.identity.get(update.inboxId) ?? [];
        log.push(update);
        this.identity.set(update.inboxId, log);
        for (const action of update.actions) {
          const address = action.createInbox?.initialIdentifier ?? action.add?.newMemberIdentifier?.ethereumAddress;
          if (address) this.inboxByAddress.set(address.toLowerCase(), update.inboxId);
        }
        return;
      }
      case 'MlsApi/UploadKeyPackage': {
        const tls = UploadKeyPackageRequest.decode(request).keyPackage?.keyPackageTlsSerialized;
        if (tls) this.keyPackages.set(hex(keyPackageInstallationKey(tls)), tls);
        return;
      }
      case 'MlsApi/SendGroupMessages':
        for (const input of SendGroupMessagesRequest.decode(request).messages) {
          if (!input.v1) continue;
          const framing = groupMessageFraming(input.v1.data);
          const stored: StoredGroupMessage = {
            id: this.nextGroupMessageId++,
            createdNs,
            groupId: framing.groupId,
            data: input.v1.data,
            senderHmac: input.v1.senderHmac,
            shouldPush: input.v1.shouldPush,
            isCommit: framing.isCommit,
          };
          this.groupMessages.push(stored);
          for (const listener of this.groupListeners) listener(stored);
        }
        return;
      case 'MlsApi/SendWelcomeMessages':
        for (const input of SendWelcomeMessagesRequest.decode(request).messages) {
          const id = Long.fromNumber(this.nextWelcomeId, true);
          const created = Long.fromString(createdNs.toString(), true);
          let stored: StoredWelcome | undefined;
          if (input.v1) {
            stored = { id: this.nextWelcomeId, createdNs, installationKey: input.v1.installationKey, message: { v1: { ...input.v1, id, createdNs: created } } };
          } else if (input.welcomePointer) {
            stored = { id: this.nextWelcomeId, createdNs, installationKey: input.welcomePointer.installationKey, message: { welcomePointer: { ...input.welcomePointer, id, createdNs: created } } };
          }
          if (!stored) continue;
          this.nextWelcomeId++;
          this.welcomes.push(stored);
          for (const listener of this.welcomeListeners) listener(stored);
        }
        return;
    }
  }

  private journal(method: string, request: Uint8Array, createdNs: bigint): void {
    if (this.journalFd === undefined) return;
    writeSync(this.journalFd, `${JSON.stringify({ m: method, b: Buffer.from(request).toString('base64'), t: createdNs.toString() })}\n`);
    fdatasyncSync(this.journalFd);
  }

  private subscribeGroups(call: ServerWritableStream<Uint8Array, Uint8Array>): void {
    const cursors = new Map<string, number>();
    for (const f of SubscribeGroupMessagesRequest.decode(call.request).filters) {
      cursors.set(hex(f.groupId), f.idCursor.toNumber());
    }
    const send = (m: StoredGroupMessage): void => {
      const key = hex(m.groupId);
      const cursor = cursors.get(key);
      if (cursor === undefined || m.id <= cursor) return;
      cursors.set(key, m.id);
      call.write(GroupMessage.encode(toGroupMessage(m)).finish());
    };
    // Catch up first, then live; the cursor map drops anything sent twice.
    for (const m of this.groupMessages) send(m);
    this.groupListeners.add(send);
    call.on('cancelled', () => this.groupListeners.delete(send));
    call.on('close', () => this.groupListeners.delete(send));
  }

  private subscribeWelcomes(call: ServerWritableStream<Uint8Array, Uint8Array>): void {
    const cursors = new Map<string, number>();
    for (const f of SubscribeWelcomeMessagesRequest.decode(call.request).filters) {
      cursors.set(hex(f.installationKey), f.idCursor.toNumber());
    }
    const send = (w: StoredWelcome): void => {
      const key = hex(w.installationKey);
      const cursor = cursors.get(key);
      if (cursor === undefined || w.id <= cursor) return;
      cursors.set(key, w.id);
      call.write(WelcomeMessage.encode(w.message).finish());
    };
    for (const w of this.welcomes) send(w);
    this.welcomeListeners.add(send);
    call.on('cancelled', () => this.welcomeListeners.delete(send));
    call.on('close', () => this.welcomeListeners.delete(send));
  }
}

function toGroupMessage(m: StoredGroupMessage): GroupMessage {
  return {
    v1: {
      id: Long.fromNumber(m.id, true),
      createdNs: Long.fromString(m.createdNs.toString(), true),
      groupId: m.groupId,
      data: m.data,
      senderHmac: m.senderHmac,
      shouldPush: m.shouldPush,
      isCommit: m.isCommit,
    },
  };
}

/** Ascending: ids after the cursor, oldest first; descending: ids before it, newest first. */
function pageOf<T extends { id: number }>(all: T[], paging: PagingInfo | undefined): { page: T[]; paging: PagingInfo } {
  const direction = paging?.direction === SortDirection.SORT_DIRECTION_DESCENDING
    ? SortDirection.SORT_DIRECTION_DESCENDING
    : SortDirection.SORT_DIRECTION_ASCENDING;
  const cursor = paging?.idCursor.toNumber() ?? 0;
  const limit = paging?.limit ? paging.limit : DEFAULT_PAGE;
  const page = direction === SortDirection.SORT_DIRECTION_ASCENDING
    ? all.filter((x) => x.id > cursor).slice(0, limit)
    : all.filter((x) => cursor === 0 || x.id < cursor).reverse().slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    paging: { direction, limit, idCursor: Long.fromNumber(page.length === limit && last ? last.id : 0, true) },
  };
}

/** The group id and whether it is a commit, from an MLSMessage's clear framing (RFC 9420 §6). */
export function groupMessageFraming(data: Uint8Array): { groupId: Uint8Array; isCommit: boolean } {
  const [message, end] = decodeMlsMessage(data, 0) ?? [];
  if (!message || end !== data.length) throw new Error('not an MLSMessage');
  if (message.wireformat === 'mls_private_message') {
    return { groupId: message.privateMessage.groupId, isCommit: message.privateMessage.contentType === 'commit' };
  }
  if (message.wireformat === 'mls_public_message') {
    return { groupId: message.publicMessage.content.groupId, isCommit: message.publicMessage.content.contentType === 'commit' };
  }
  throw new Error(`not a group message: ${message.wireformat}`);
}

/** A bare TLS KeyPackage's leaf signature key: XMTP's installation key (RFC 9420 §10). */
export function keyPackageInstallationKey(tls: Uint8Array): Uint8Array {
  const [keyPackage, end] = decodeKeyPackage(tls, 0) ?? [];
  if (!keyPackage || end !== tls.length) throw new Error('not a KeyPackage');
  return keyPackage.leafNode.signaturePublicKey;
}
