/**
 * A node's misbehaviour reports: its own detections (from replication) and client submissions,
 * each signed by this node's key and stored; MisbehaviorApi's Submit and Query in terms of the
 * wire bytes (xmtp/proto proto/xmtpv4/message_api/misbehavior_api.proto). xmtpd has only a
 * LoggingMisbehaviorService with no callers and no registered MisbehaviorApi
 * (pkg/misbehavior/misbehavior.go); this is the part XIP-49 §3.2.7 describes.
 */
import { ParleyError } from '../../core/errors';
import type { Misbehavior, MisbehaviorFailure, SignedMisbehaviorReport } from './misbehavior';
import type { MisbehaviorStore } from './misbehaviorStore';
import { decodeUnsignedReport, encodeUnsignedReport } from './reportCodec';
import { signMisbehaviorReport } from './reportSignature';

export interface MisbehaviorServiceOptions {
  nodeId: number;
  nodePrivateKey: Uint8Array;
  store: MisbehaviorStore;
  nowNs?: () => bigint;
}

/** How many reports one query answers with at most. */
export const MAX_REPORTS_PER_QUERY = 500;

export class MisbehaviorService {
  readonly #o: Required<MisbehaviorServiceOptions>;
  #lastNs = -1n;

  constructor(o: MisbehaviorServiceOptions) {
    this.#o = { nowNs: () => BigInt(Date.now()) * 1_000_000n, ...o };
  }

  /** This node detected misbehaviour (a forged relay, a gap, an equivocation…): sign and store it. */
  async reportByNode(
    misbehavingNodeId: number,
    type: Misbehavior,
    failure: MisbehaviorFailure,
  ): Promise<SignedMisbehaviorReport> {
    const bytes = encodeUnsignedReport({
      reporterTimeNs: this.#o.nowNs(),
      misbehavingNodeId,
      type,
      failure,
      submittedByNode: true,
    });
    return this.#store(bytes, misbehavingNodeId, type);
  }

  /** SubmitMisbehaviorReport from a client: the report is re-encoded, so only what was understood is signed. */
  async submitFromClient(unsignedReportBytes: Uint8Array): Promise<SignedMisbehaviorReport> {
    const report = decodeUnsignedReport(unsignedReportBytes);
    if (report.submittedByNode) {
      // the proto: "Nodes must verify this field is false for client-submitted reports"
      throw new ParleyError('Misbehavior.BadReport', 'A client cannot submit a report marked as submitted by a node.');
    }
    if (report.type === 0 || report.misbehavingNodeId === 0) {
      throw new ParleyError('Misbehavior.BadReport', 'A report must name a misbehaving node and a misbehavior type.', {
        details: `node ${report.misbehavingNodeId}, type ${report.type}`,
      });
    }
    return this.#store(encodeUnsignedReport(report), report.misbehavingNodeId, report.type);
  }

  /** QueryMisbehaviorReports: reports stored after `afterNs`, oldest first. */
  async query(afterNs: bigint, misbehavingNodeId?: number): Promise<SignedMisbehaviorReport[]> {
    const rows = await this.#o.store.query({
      afterNs,
      limit: MAX_REPORTS_PER_QUERY,
      ...(misbehavingNodeId === undefined ? {} : { misbehavingNodeId }),
    });
    return rows.map((r) => ({ serverTimeNs: r.serverTimeNs, unsignedReportBytes: r.unsignedReportBytes, signature: r.signature }));
  }

  async #store(bytes: Uint8Array, misbehavingNodeId: number, type: Misbehavior): Promise<SignedMisbehaviorReport> {
    if (this.#lastNs < 0n) this.#lastNs = await this.#o.store.latestServerTimeNs();
    // strictly increasing server times, so `after_ns` paging never skips a report stored in the same ns
    const now = this.#o.nowNs();
    const serverTimeNs = now > this.#lastNs ? now : this.#lastNs + 1n;
    this.#lastNs = serverTimeNs;
    const signature = signMisbehaviorReport(bytes, this.#o.nodePrivateKey);
    await this.#o.store.insert({
      serverTimeNs,
      reporterNodeId: this.#o.nodeId,
      misbehavingNodeId,
      type,
      unsignedReportBytes: bytes,
      signature,
    });
    return { serverTimeNs, unsignedReportBytes: bytes, signature };
  }
}
