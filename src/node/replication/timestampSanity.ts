/**
 * Timestamp sanity of an originator's stream. xmtpd logs `originator_ns < last` as out of order
 * (pkg/sync/originator_stream.go); Parley refuses it, and also refuses a time too far ahead of its
 * own clock, since a node that stamps the future can make its envelopes sort after everyone's
 * (XIP-49 §3.3.5 orders by originator_ns). Chain envelopes (originators 0 and 1) carry the block
 * timestamp, which is non-decreasing as well.
 */

/** How far ahead of the receiving node's clock an originator_ns may be. */
export const MAX_CLOCK_AHEAD_NS = 5n * 60n * 1_000_000_000n;

export type TimestampVerdict =
  | { kind: 'ok' }
  | { kind: 'decreasing'; previousNs: bigint }
  | { kind: 'future'; aheadNs: bigint };

export function checkTimestamp(
  previousNs: bigint | undefined,
  originatorNs: bigint,
  nowNs: bigint,
  maxAheadNs: bigint = MAX_CLOCK_AHEAD_NS,
): TimestampVerdict {
  if (previousNs !== undefined && originatorNs < previousNs) return { kind: 'decreasing', previousNs };
  const ahead = originatorNs - nowNs;
  if (ahead > maxAheadNs) return { kind: 'future', aheadNs: ahead };
  return { kind: 'ok' };
}
