import type { ErrorCode } from '../../core/errors';
import { ParleyError } from '../../core/errors';

/** What a person can do about a failure, by its code; codes not here need nothing more than their message. */
const WHAT_TO_DO: Partial<Record<ErrorCode | 'Internal', string>> = {
  'Api.Network': 'Check that the node is running, or choose another in Settings.',
  'Api.Unavailable': 'Check that the node is running, or choose another in Settings.',
  'Api.DeadlineExceeded': 'The node is slow to answer: try again in a moment.',
  'Api.ResourceExhausted': 'The node is limiting requests: wait a minute and try again.',
  'Api.BadResponse': 'The node answered something Parley cannot read: check the node URL in Settings.',
  'Client.NoInbox': 'That address has no XMTP inbox yet: its owner must open an XMTP app once.',
  'Rpc.Disconnected': 'Close the popup and open it again.',
  'Rpc.NotFound': 'It may have been removed: go back to the list.',
  Internal: 'Try again; if it happens again, report it with the reference above.',
};

/**
 * A failure as the inbox shows it: the worker's message, what to do where there is something,
 * and the code (the worker logged the cause under it), so a report names what failed.
 */
export function inboxErrorText(error: unknown): string {
  if (!(error instanceof ParleyError)) return `${error instanceof Error ? error.message : String(error)} [Internal]`;
  const hint = WHAT_TO_DO[error.code as ErrorCode | 'Internal'];
  return `${error.shortMessage}${hint ? ` ${hint}` : ''} [${error.code}]`;
}
