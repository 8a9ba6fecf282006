/**
 * Where each originator's stream stands on this node, and what an envelope arriving from a peer
 * means for it. xmtpd's sync worker (pkg/sync/originator_stream.go `validateEnvelope`) only logs
 * gaps and out-of-order sequence ids and stores the envelope anyway; Parley refuses them, because
 * the vector clock is one high-water mark per originator: storing seq 9 while 8 is missing would
 * advance the clock past 8 and no peer would ever be asked for it again.
 */

/** The last envelope this node holds from one originator; sequence ids start at 1 (0 = none). */
export interface StreamHead {
  sequenceId: bigint;
  originatorNs: bigint;
}

/** An envelope as the tracker sees it: its position, and a digest of its signed bytes. */
export interface SequenceObservation {
  originatorNodeId: number;
  sequenceId: bigint;
  /** keccak256 (or any collision-resistant digest) of the unsigned originator envelope bytes. */
  digest: Uint8Array;
}

export type SequenceVerdict =
  /** seq = head + 1: the next envelope of this originator. */
  | { kind: 'next' }
  /** seq ≤ head and the same bytes are already stored: another peer relayed it too. */
  | { kind: 'duplicate' }
  /** seq ≤ head and different bytes are stored: the originator signed two envelopes for one seq. */
  | { kind: 'equivocation'; storedDigest: Uint8Array }
  /** seq ≤ head but nothing is stored for it any more (expired): nothing to compare, drop it. */
  | { kind: 'alreadyPast' }
  /** seq > head + 1: the envelopes between are missing from what the peer sent. */
  | { kind: 'gap'; expected: bigint }
  /** seq 0 is never a valid sequence id (xmtpd's ids are BIGSERIAL, from 1; the contracts' ++sequenceId). */
  | { kind: 'invalid' };

/**
 * Classifies one envelope against the head of its originator's stream. `storedDigestAt` looks the
 * stored envelope up by sequence id (the store is the truth; the tracker keeps only heads).
 */
export function classifySequence(
  head: StreamHead | undefined,
  obs: SequenceObservation,
  storedDigestAt: (sequenceId: bigint) => Uint8Array | undefined,
): SequenceVerdict {
  if (obs.sequenceId <= 0n) return { kind: 'invalid' };
  const last = head?.sequenceId ?? 0n;
  if (obs.sequenceId === last + 1n) return { kind: 'next' };
  if (obs.sequenceId > last + 1n) return { kind: 'gap', expected: last + 1n };
  const stored = storedDigestAt(obs.sequenceId);
  if (stored === undefined) return { kind: 'alreadyPast' };
  return bytesEqual(stored, obs.digest) ? { kind: 'duplicate' } : { kind: 'equivocation', storedDigest: stored };
}

/**
 * The heads of every originator this node holds, i.e. its vector clock (XIP-49 §3.2.2: a
 * missing originator means 0). One instance per node, shared by all sync workers, so an
 * originator's envelopes relayed by two peers advance one head.
 */
export class SequenceTracker {
  readonly #heads = new Map<number, StreamHead>();

  constructor(initial: Iterable<[number, StreamHead]> = []) {
    for (const [id, head] of initial) this.#heads.set(id, { ...head });
  }

  head(originatorNodeId: number): StreamHead | undefined {
    const h = this.#heads.get(originatorNodeId);
    return h === undefined ? undefined : { ...h };
  }

  /** Records that the next envelope of an originator is stored; refuses anything but head + 1. */
  advance(originatorNodeId: number, next: StreamHead): void {
    const last = this.#heads.get(originatorNodeId)?.sequenceId ?? 0n;
    if (next.sequenceId !== last + 1n) {
      throw new RangeError(`originator ${originatorNodeId}: advance to ${next.sequenceId} after ${last}`);
    }
    this.#heads.set(originatorNodeId, { ...next });
  }

  /** `Cursor.node_id_to_sequence_id` (xmtp/proto xmtpv4/envelopes/envelopes.proto). */
  vectorClock(): Map<number, bigint> {
    return new Map([...this.#heads].map(([id, h]) => [id, h.sequenceId]));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
