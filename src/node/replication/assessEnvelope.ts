/**
 * What a node does with one envelope a peer sent, once its signatures are verified: store it,
 * skip it, or refuse it and report whom. Pure; the sync worker does the I/O.
 *
 * Attribution: an envelope whose originator signature verifies was signed by its originator, so
 * an equivocation or a bad timestamp is the originator's fault, provable with the signed bytes.
 * A gap is the fault of the peer that served it (an honest relay only holds contiguous streams,
 * since it refuses gaps too), and so is a forged relay (the signature does not verify, so the
 * originator cannot be blamed).
 */
import { Misbehavior } from '../misbehavior/misbehavior';
import { classifySequence, type SequenceObservation, type StreamHead } from './sequenceTracker';
import { checkTimestamp } from './timestampSanity';

export interface ArrivingEnvelope extends SequenceObservation {
  originatorNs: bigint;
  /** The peer the envelope came from (may differ from the originator). */
  relayedBy: number;
}

export type EnvelopeDecision =
  | { action: 'store' }
  | { action: 'skip'; reason: 'duplicate' | 'alreadyPast' }
  | {
      action: 'refuse';
      reason: 'equivocation' | 'gap' | 'invalidSequence' | 'timestampDecreasing' | 'timestampFuture';
      blame: { nodeId: number; type: Misbehavior };
      /** The conflicting stored envelope's digest, for equivocation (the proof carries both envelopes). */
      storedDigest?: Uint8Array;
    };

export function assessEnvelope(
  head: StreamHead | undefined,
  env: ArrivingEnvelope,
  nowNs: bigint,
  storedDigestAt: (sequenceId: bigint) => Uint8Array | undefined,
): EnvelopeDecision {
  const seq = classifySequence(head, env, storedDigestAt);
  switch (seq.kind) {
    case 'duplicate':
    case 'alreadyPast':
      return { action: 'skip', reason: seq.kind };
    case 'equivocation':
      return {
        action: 'refuse',
        reason: 'equivocation',
        blame: { nodeId: env.originatorNodeId, type: Misbehavior.DUPLICATE_SEQUENCE_ID },
        storedDigest: seq.storedDigest,
      };
    case 'gap':
      return { action: 'refuse', reason: 'gap', blame: { nodeId: env.relayedBy, type: Misbehavior.OUT_OF_ORDER } };
    case 'invalid':
      return {
        action: 'refuse',
        reason: 'invalidSequence',
        blame: { nodeId: env.originatorNodeId, type: Misbehavior.INVALID_PAYLOAD },
      };
    case 'next':
      break;
  }
  const ts = checkTimestamp(head?.originatorNs, env.originatorNs, nowNs);
  if (ts.kind === 'ok') return { action: 'store' };
  return {
    action: 'refuse',
    reason: ts.kind === 'decreasing' ? 'timestampDecreasing' : 'timestampFuture',
    blame: { nodeId: env.originatorNodeId, type: Misbehavior.OUT_OF_ORDER },
  };
}
