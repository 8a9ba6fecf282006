/** The dApp RPC of `window.xmtp`: schema, runtime validators, framing, EIP-1193 error mapping. */
export type * from './schema';
export { isRpcEventName, isRpcMethod, RPC_EVENTS, RPC_METHODS } from './schema';
export type { ParamsValidators, ValidRequest } from './validate';
export {
  MAX_CONVERSATION_ID_HEX,
  MAX_GROUP_DESCRIPTION_CHARS,
  MAX_GROUP_NAME_CHARS,
  MAX_IDENTIFIERS,
  MAX_IMAGE_URL_CHARS,
  MAX_MESSAGES_PER_PAGE,
  validateParams,
  validateRequest,
} from './validate';
export type { Eip1193CodeNumber } from './eip1193';
export { Eip1193Code, eip1193CodeFor, toRpcError } from './eip1193';
export type { JsonBudget } from './jsonBudget';
export { assertJsonWithin } from './jsonBudget';
export type { DownFrame, EventFrame, PageDirection, PageEnvelope, RequestFrame, RequestId, ResponseFrame } from './frames';
export { isPageEnvelope, PAGE_CHANNEL, parseDownFrame, parseRequestFrame, REQUEST_BUDGET, requestIdOf } from './frames';
export type {
  ApprovalRequest,
  ApprovalView,
  IdentitySummary,
  Settings,
  UiErrorPayload,
  UiMessage,
  UiMethod,
  UiParams,
  UiReply,
  UiResult,
  UiSchema,
  UiValidators,
  VaultState,
  VaultStatus,
} from './ui';
export { isUiMethod, MAX_AUTO_LOCK_MINUTES, MIN_AUTO_LOCK_MINUTES, MIN_PASSWORD_CHARS, parseNodeUrl, parseOrigin, validateUiParams } from './ui';
export type { ProviderInfo } from './discovery';
export { ANNOUNCE_PROVIDER_EVENT, PARLEY_NAME, PARLEY_RDNS, REQUEST_PROVIDER_EVENT } from './discovery';
export { appDataForOrigin, originFromAppData } from './appData';
export type { UiCall } from './uiClient';
export { createUiClient } from './uiClient';
