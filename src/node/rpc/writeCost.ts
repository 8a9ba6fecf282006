import type { ApiMethodName } from '../../core/api';

/**
 * How many items a write request stores, which is what it costs in write tokens: a request of
 * N welcomes costs N (counting requests let one call store tens of megabytes of welcomes).
 * Never less than 1, so an empty request still costs its round trip.
 */
export function writeItemsOf(method: ApiMethodName, request: unknown): number {
  const r = request as { messages?: unknown[]; requests?: unknown[] };
  switch (method) {
    case 'sendGroupMessages':
    case 'sendWelcomeMessages':
      return Math.max(1, r.messages?.length ?? 0);
    case 'batchPublishCommitLog':
      return Math.max(1, r.requests?.length ?? 0);
    default:
      return 1;
  }
}
