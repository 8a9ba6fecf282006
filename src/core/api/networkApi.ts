import type { Empty } from '@xmtp/proto/google/protobuf/empty.pb';
import type {
  GetIdentityUpdatesRequest,
  GetIdentityUpdatesResponse,
  GetInboxIdsRequest,
  GetInboxIdsResponse,
  PublishIdentityUpdateRequest,
  PublishIdentityUpdateResponse,
  VerifySmartContractWalletSignaturesRequest,
  VerifySmartContractWalletSignaturesResponse,
} from '@xmtp/proto/identity/api/v1/identity.pb';
import type {
  BatchPublishCommitLogRequest,
  BatchQueryCommitLogRequest,
  BatchQueryCommitLogResponse,
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
  SubscribeGroupMessagesRequest,
  SubscribeWelcomeMessagesRequest,
  UploadKeyPackageRequest,
  WelcomeMessage,
} from '@xmtp/proto/mls/api/v1/mls.pb';

export interface CallOptions {
  /** Aborting ends the HTTP request; the pending call or stream fails with Api.Cancelled. */
  signal?: AbortSignal;
  /** Deadline for this call in ms, overriding the client's default (unary calls only). */
  timeoutMs?: number;
}

/**
 * The XMTP node API Parley speaks: `xmtp.mls.api.v1.MlsApi` and
 * `xmtp.identity.api.v1.IdentityApi` (xmtp/proto mls/api/v1/mls.proto,
 * identity/api/v1/identity.proto), without the legacy MLS RegisterInstallation,
 * RevokeInstallation and GetIdentityUpdates, and without the bidirectional Subscribe, which
 * gRPC-web cannot carry. Server-streaming calls are async iterables that send the request
 * when iteration starts; each can be iterated once.
 */
export interface NetworkApi {
  // xmtp.mls.api.v1.MlsApi
  sendGroupMessages(request: SendGroupMessagesRequest, opts?: CallOptions): Promise<Empty>;
  sendWelcomeMessages(request: SendWelcomeMessagesRequest, opts?: CallOptions): Promise<Empty>;
  uploadKeyPackage(request: UploadKeyPackageRequest, opts?: CallOptions): Promise<Empty>;
  fetchKeyPackages(request: FetchKeyPackagesRequest, opts?: CallOptions): Promise<FetchKeyPackagesResponse>;
  queryGroupMessages(request: QueryGroupMessagesRequest, opts?: CallOptions): Promise<QueryGroupMessagesResponse>;
  queryWelcomeMessages(request: QueryWelcomeMessagesRequest, opts?: CallOptions): Promise<QueryWelcomeMessagesResponse>;
  subscribeGroupMessages(request: SubscribeGroupMessagesRequest, opts?: CallOptions): AsyncIterable<GroupMessage>;
  subscribeWelcomeMessages(request: SubscribeWelcomeMessagesRequest, opts?: CallOptions): AsyncIterable<WelcomeMessage>;
  batchPublishCommitLog(request: BatchPublishCommitLogRequest, opts?: CallOptions): Promise<Empty>;
  batchQueryCommitLog(request: BatchQueryCommitLogRequest, opts?: CallOptions): Promise<BatchQueryCommitLogResponse>;
  getNewestGroupMessage(request: GetNewestGroupMessageRequest, opts?: CallOptions): Promise<GetNewestGroupMessageResponse>;
  // xmtp.identity.api.v1.IdentityApi
  publishIdentityUpdate(request: PublishIdentityUpdateRequest, opts?: CallOptions): Promise<PublishIdentityUpdateResponse>;
  getIdentityUpdates(request: GetIdentityUpdatesRequest, opts?: CallOptions): Promise<GetIdentityUpdatesResponse>;
  getInboxIds(request: GetInboxIdsRequest, opts?: CallOptions): Promise<GetInboxIdsResponse>;
  verifySmartContractWalletSignatures(
    request: VerifySmartContractWalletSignaturesRequest,
    opts?: CallOptions,
  ): Promise<VerifySmartContractWalletSignaturesResponse>;
}
