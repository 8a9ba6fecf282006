/**
 * XIP-49's misbehaviour report model. The enum values and field numbers are those of xmtp/proto
 * proto/xmtpv4/message_api/misbehavior_api.proto (`Misbehavior`, `UnsignedMisbehaviorReport`,
 * `LivenessFailure`, `SafetyFailure`, `MisbehaviorReport`).
 */

export const Misbehavior = {
  UNSPECIFIED: 0,
  UNRESPONSIVE_NODE: 1,
  SLOW_NODE: 2,
  FAILED_REQUEST: 3,
  OUT_OF_ORDER: 4,
  DUPLICATE_SEQUENCE_ID: 5,
  CAUSAL_ORDERING: 6,
  INVALID_PAYLOAD: 7,
  BLOCKCHAIN_INCONSISTENCY: 8,
} as const;
export type Misbehavior = (typeof Misbehavior)[keyof typeof Misbehavior];

export function isMisbehavior(n: number): n is Misbehavior {
  return Number.isInteger(n) && n >= 0 && n <= 8;
}

/**
 * The failure a report carries. Safety failures carry the offending signed `OriginatorEnvelope`s
 * (serialized) as proof: for an equivocation, the two envelopes signed for one (originator, seq).
 * Liveness failures carry how long the node took; the proto's `request` oneof (which request was
 * made) is not filled by Parley yet.
 */
export type MisbehaviorFailure =
  | { kind: 'liveness'; responseTimeNs: number }
  | { kind: 'safety'; envelopes: Uint8Array[] };

export interface UnsignedMisbehaviorReport {
  reporterTimeNs: bigint;
  misbehavingNodeId: number;
  type: Misbehavior;
  failure: MisbehaviorFailure | undefined;
  /** Nodes must refuse `true` in a report a client submits (the proto's comment). */
  submittedByNode: boolean;
}

/** A stored report: the exact signed bytes, the reporter's 65-byte r‖s‖v signature, and when it was stored. */
export interface SignedMisbehaviorReport {
  serverTimeNs: bigint;
  unsignedReportBytes: Uint8Array;
  signature: Uint8Array;
}
