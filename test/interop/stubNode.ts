import {
  Server,
  ServerCredentials,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type handleUnaryCall,
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
import Long from 'long';

/** One call the stub received, in arrival order. */
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

const raw = {
  serialize: (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  deserialize: (bytes: Buffer): Uint8Array => new Uint8Array(bytes),
};

/**
 * A tiny XMTP node for checking the harness, not the product: it records every call and
 * keeps just enough identity state (published updates, inbox ids by address) for
 * node-sdk's Client.create to finish. Every other method answers an empty message, and
 * subscriptions stay open and silent.
 */
export class StubNode {
  readonly calls: RecordedCall[] = [];
  private readonly updates = new Map<string, IdentityUpdate[]>();
  private readonly inboxByAddress = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<StubNode> {
    const server = new Server();
    // Handlers are registered before the port is known, so they reach the stub late.
    const box: { stub?: StubNode } = {};
    const handle = (method: string, request: Uint8Array): Uint8Array => {
      box.stub!.calls.push({ method, request });
      return box.stub!.answer(method, request);
    };
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
        } satisfies MethodDefinition<Uint8Array, Uint8Array>;
        implementation[name] = handlerFor(`${short}/${name}`, kind, handle);
      }
      server.addService(definition as ServiceDefinition, implementation);
    }
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    box.stub = new StubNode(server, port);
    return box.stub;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The identity updates published so far, per inbox id. */
  publishedUpdates(inboxId: string): readonly IdentityUpdate[] {
    return this.updates.get(inboxId) ?? [];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private answer(method: string, request: Uint8Array): Uint8Array {
    switch (method) {
      case 'IdentityApi/PublishIdentityUpdate': {
        const update = PublishIdentityUpdateRequest.decode(request).identityUpdate;
        if (!update) return new Uint8Array();
        const log = this.updates.get(update.inboxId) ?? [];
        log.push(update);
        this.updates.set(update.inboxId, log);
        for (const action of update.actions) {
          const address = action.createInbox?.initialIdentifier ?? action.add?.newMemberIdentifier?.ethereumAddress;
          if (address) this.inboxByAddress.set(address.toLowerCase(), update.inboxId);
        }
        return new Uint8Array();
      }
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
            updates: (this.updates.get(r.inboxId) ?? [])
              .map((update, index) => ({
                sequenceId: Long.fromNumber(index + 1, true),
                serverTimestampNs: Long.fromNumber(0, true),
                update,
              }))
              .filter((entry) => entry.sequenceId.greaterThan(r.sequenceId)),
          })),
        }).finish();
      default:
        return new Uint8Array();
    }
  }
}

function handlerFor(
  method: string,
  kind: Kind,
  handle: (method: string, request: Uint8Array) => Uint8Array,
): UntypedServiceImplementation[string] {
  if (kind === 'unary') {
    const unary: handleUnaryCall<Uint8Array, Uint8Array> = (call, callback) => {
      try {
        callback(null, handle(method, call.request));
      } catch (error) {
        callback(error as Error);
      }
    };
    return unary;
  }
  if (kind === 'server-stream') {
    return (call: ServerWritableStream<Uint8Array, Uint8Array>) => {
      handle(method, call.request);
      // Open and silent until the client goes away or the server shuts down.
    };
  }
  return (call: ServerDuplexStream<Uint8Array, Uint8Array>) => {
    call.on('data', (request: Uint8Array) => handle(method, request));
    call.on('end', () => call.end());
  };
}
