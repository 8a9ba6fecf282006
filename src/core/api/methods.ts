import { Empty } from '@xmtp/proto/google/protobuf/empty.pb';
import {
  GetIdentityUpdatesRequest,
  GetIdentityUpdatesResponse,
  GetInboxIdsRequest,
  GetInboxIdsResponse,
  IdentityApiServiceName,
  PublishIdentityUpdateRequest,
  PublishIdentityUpdateResponse,
  VerifySmartContractWalletSignaturesRequest,
  VerifySmartContractWalletSignaturesResponse,
} from '@xmtp/proto/identity/api/v1/identity.pb';
import {
  BatchPublishCommitLogRequest,
  BatchQueryCommitLogRequest,
  BatchQueryCommitLogResponse,
  FetchKeyPackagesRequest,
  FetchKeyPackagesResponse,
  GetNewestGroupMessageRequest,
  GetNewestGroupMessageResponse,
  GroupMessage,
  MlsApiServiceName,
  QueryGroupMessagesRequest,
  QueryGroupMessagesResponse,
  QueryWelcomeMessagesRequest,
  QueryWelcomeMessagesResponse,
  SendGroupMessagesRequest,
  SendWelcomeMessagesRequest,
  SubscribeGroupMessagesRequest,
  SubscribeWelcomeMessagesRequest,
  UploadKeyPackageRequest,
  WelcomeMessage,
} from '@xmtp/proto/mls/api/v1/mls.pb';
import type { CallOptions, NetworkApi } from './networkApi';
import type { ProtoCodec } from './protoCodec';

export type CallKind = 'unary' | 'serverStream';

/** One RPC: where it lives on the wire, how its messages encode, and its streaming shape. */
export interface MethodSpec<Req, Res, Kind extends CallKind = CallKind> {
  /** Fully qualified service, e.g. `xmtp.mls.api.v1.MlsApi`. */
  readonly service: string;
  /** Method name as in the .proto service, e.g. `SendGroupMessages`. */
  readonly name: string;
  /** The HTTP/2 `:path` (gRPC) and URL path (gRPC-web): `/<service>/<name>`. */
  readonly path: string;
  readonly kind: Kind;
  readonly requestCodec: ProtoCodec<Req>;
  readonly responseCodec: ProtoCodec<Res>;
}

type SpecFor<F> = F extends (request: infer Req, opts?: CallOptions) => Promise<infer Res>
  ? MethodSpec<Req, Res, 'unary'>
  : F extends (request: infer Req, opts?: CallOptions) => AsyncIterable<infer Res>
    ? MethodSpec<Req, Res, 'serverStream'>
    : never;

/** The table's type follows NetworkApi: a missing method or a wrong codec fails to compile. */
export type ApiMethodTable = { readonly [K in keyof NetworkApi]: SpecFor<NetworkApi[K]> };

// Both services' names come from the generated code, so a rename upstream shows up here.
const MLS = MlsApiServiceName;
const IDENTITY = IdentityApiServiceName;

function unary<Req, Res>(service: string, name: string, req: ProtoCodec<Req>, res: ProtoCodec<Res>): MethodSpec<Req, Res, 'unary'> {
  return { service, name, path: `/${service}/${name}`, kind: 'unary', requestCodec: req, responseCodec: res };
}

function serverStream<Req, Res>(
  service: string,
  name: string,
  req: ProtoCodec<Req>,
  res: ProtoCodec<Res>,
): MethodSpec<Req, Res, 'serverStream'> {
  return { service, name, path: `/${service}/${name}`, kind: 'serverStream', requestCodec: req, responseCodec: res };
}

/**
 * Every method Parley speaks, for the client here and for the node's gRPC and gRPC-web
 * servers. Method names and message types follow @xmtp/proto 3.96.0's generated services.
 */
export const apiMethods: ApiMethodTable = {
  sendGroupMessages: unary(MLS, 'SendGroupMessages', SendGroupMessagesRequest, Empty),
  sendWelcomeMessages: unary(MLS, 'SendWelcomeMessages', SendWelcomeMessagesRequest, Empty),
  uploadKeyPackage: unary(MLS, 'UploadKeyPackage', UploadKeyPackageRequest, Empty),
  fetchKeyPackages: unary(MLS, 'FetchKeyPackages', FetchKeyPackagesRequest, FetchKeyPackagesResponse),
  queryGroupMessages: unary(MLS, 'QueryGroupMessages', QueryGroupMessagesRequest, QueryGroupMessagesResponse),
  queryWelcomeMessages: unary(MLS, 'QueryWelcomeMessages', QueryWelcomeMessagesRequest, QueryWelcomeMessagesResponse),
  subscribeGroupMessages: serverStream(MLS, 'SubscribeGroupMessages', SubscribeGroupMessagesRequest, GroupMessage),
  subscribeWelcomeMessages: serverStream(MLS, 'SubscribeWelcomeMessages', SubscribeWelcomeMessagesRequest, WelcomeMessage),
  batchPublishCommitLog: unary(MLS, 'BatchPublishCommitLog', BatchPublishCommitLogRequest, Empty),
  batchQueryCommitLog: unary(MLS, 'BatchQueryCommitLog', BatchQueryCommitLogRequest, BatchQueryCommitLogResponse),
  getNewestGroupMessage: unary(MLS, 'GetNewestGroupMessage', GetNewestGroupMessageRequest, GetNewestGroupMessageResponse),
  publishIdentityUpdate: unary(IDENTITY, 'PublishIdentityUpdate', PublishIdentityUpdateRequest, PublishIdentityUpdateResponse),
  getIdentityUpdates: unary(IDENTITY, 'GetIdentityUpdates', GetIdentityUpdatesRequest, GetIdentityUpdatesResponse),
  getInboxIds: unary(IDENTITY, 'GetInboxIds', GetInboxIdsRequest, GetInboxIdsResponse),
  verifySmartContractWalletSignatures: unary(
    IDENTITY,
    'VerifySmartContractWalletSignatures',
    VerifySmartContractWalletSignaturesRequest,
    VerifySmartContractWalletSignaturesResponse,
  ),
};

export type ApiMethodName = keyof NetworkApi;

// The union of all specs, so a server can route by path and call the codecs untyped.
export type AnyMethodSpec = ApiMethodTable[ApiMethodName];

/** The method table keyed by wire path (`/xmtp.mls.api.v1.MlsApi/SendGroupMessages`). */
export const apiMethodsByPath: ReadonlyMap<string, { method: ApiMethodName; spec: AnyMethodSpec }> = new Map(
  (Object.keys(apiMethods) as ApiMethodName[]).map((method) => [apiMethods[method].path, { method, spec: apiMethods[method] }]),
);
