/**
 * Where a node keeps the misbehaviour reports it hosts: its own detections and those clients
 * submit through MisbehaviorApi. Rows keep the exact signed bytes so a query answers with what
 * was signed; the columns beside them are for filtering. One interface, SQLite and PostgreSQL.
 */
import type { Misbehavior } from './misbehavior';

export interface MisbehaviorRow {
  serverTimeNs: bigint;
  reporterNodeId: number;
  misbehavingNodeId: number;
  type: Misbehavior;
  unsignedReportBytes: Uint8Array;
  signature: Uint8Array;
}

export interface MisbehaviorQuery {
  /** Only reports stored strictly after this time (QueryMisbehaviorReportsRequest.after_ns). */
  afterNs: bigint;
  misbehavingNodeId?: number;
  limit: number;
}

export interface MisbehaviorStore {
  /** Stores a report; the same signed bytes twice are one report. Returns false for such a repeat. */
  insert(row: MisbehaviorRow): Promise<boolean>;
  /** Oldest first. */
  query(q: MisbehaviorQuery): Promise<MisbehaviorRow[]>;
  /** The server time of the newest report, or 0 when none: reports get strictly increasing times. */
  latestServerTimeNs(): Promise<bigint>;
}
