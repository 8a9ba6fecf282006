import { ParleyError } from '../errors';
import type { ErrorCode } from '../errors';
import type { UiMessage, UiMethod, UiParams, UiReply, UiResult } from './ui';

export type UiCall = <M extends UiMethod>(method: M, ...params: undefined extends UiParams<M> ? [UiParams<M>?] : [UiParams<M>]) => Promise<UiResult<M>>;

/**
 * The extension pages' side of the UI messages, typed by UiSchema. `send` is
 * `chrome.runtime.sendMessage` in a page, a direct call in tests. A failed call throws a
 * ParleyError with the worker's code.
 */
export function createUiClient(send: (message: UiMessage) => Promise<unknown>): UiCall {
  return (async (method: UiMethod, params?: unknown) => {
    const message: UiMessage = params === undefined ? { parley: 'ui', method } : { parley: 'ui', method, params };
    const reply = (await send(message)) as UiReply | undefined;
    if (!reply || typeof reply !== 'object') throw new ParleyError('Rpc.Disconnected', 'The extension did not answer.');
    if (reply.ok) return reply.result;
    const { code, message: text, retryAfterMs } = reply.error;
    throw new ParleyError(code as ErrorCode, text, typeof retryAfterMs === 'number' ? { retryAfterMs } : {});
  }) as UiCall;
}
