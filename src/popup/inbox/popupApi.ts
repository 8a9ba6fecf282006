import type { RpcMethod, RpcParams, RpcResult, UiCall, UiMessage } from '../../core/rpc';
import { createUiClient } from '../../core/rpc';
import type { InboxUiMethod, InboxUiSchema } from '../../core/rpc/ui';
import { inboxErrorText } from './errorText';
import type { ConnectEvents } from './inboxEvents';

type InboxCall = <M extends InboxUiMethod>(
  method: M,
  ...params: undefined extends InboxUiSchema[M]['params'] ? [InboxUiSchema[M]['params']?] : [InboxUiSchema[M]['params']]
) => Promise<InboxUiSchema[M]['result']>;

/** Everything the popup asks of the worker, each call typed by its schema. */
export interface PopupApi {
  /** UiSchema: vault, identities, grants, settings. */
  ui: UiCall;
  /** InboxUiSchema: unread counts and read marks. */
  activity: InboxCall;
  /** A window.xmtp method run for the whole inbox (`inbox_request`): the popup needs no grant. */
  dapp<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>>;
  /** Opens the port the worker pushes inbox changes on; absent, the popup only fetches on open and focus. */
  events?: ConnectEvents;
}

/** `send` is chrome.runtime.sendMessage in the page, `events` chrome.runtime.connect; tests answer in-process. */
export function createPopupApi(send: (message: UiMessage | { parley: 'ui'; method: InboxUiMethod; params?: unknown }) => Promise<unknown>, events?: ConnectEvents): PopupApi {
  const ui = createUiClient(send);
  // The inbox methods travel in the same { parley: 'ui' } envelope and reply shape; only their schema differs.
  const activity = ui as unknown as InboxCall;
  const api: PopupApi = {
    ui,
    activity,
    dapp: async (method, params) => (await ui('inbox_request', params === undefined ? { method } : { method, params })) as RpcResult<typeof method>,
  };
  if (events) api.events = events;
  return api;
}

/**
 * What a person reads when a call fails, on every screen: the worker's short message, what to do
 * where there is something, and the code the worker logged the cause under.
 */
export function messageOf(error: unknown): string {
  return inboxErrorText(error);
}
