/**
 * Wire encoding of UnsignedMisbehaviorReport and MisbehaviorReport, field numbers from xmtp/proto
 * proto/xmtpv4/message_api/misbehavior_api.proto. Written on @bufbuild/protobuf's wire
 * reader/writer because the generated xmtpv4 types (src/node/proto, `npm run build:proto`) were
 * not on main when this was written; swap for the generated messages when they are.
 * The signature is xmtp.identity.associations.RecoverableEcdsaSignature { bytes bytes = 1; }
 * (xmtp/proto proto/identity/associations/signature.proto).
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ParleyError } from '../../core/errors';
import {
  isMisbehavior,
  type MisbehaviorFailure,
  type SignedMisbehaviorReport,
  type UnsignedMisbehaviorReport,
} from './misbehavior';

export function encodeUnsignedReport(r: UnsignedMisbehaviorReport): Uint8Array {
  const w = new BinaryWriter();
  if (r.reporterTimeNs !== 0n) w.tag(1, WireType.Varint).uint64(r.reporterTimeNs);
  if (r.misbehavingNodeId !== 0) w.tag(2, WireType.Varint).uint32(r.misbehavingNodeId);
  if (r.type !== 0) w.tag(3, WireType.Varint).int32(r.type);
  if (r.failure?.kind === 'liveness') {
    w.tag(4, WireType.LengthDelimited).fork();
    if (r.failure.responseTimeNs !== 0) w.tag(1, WireType.Varint).uint32(r.failure.responseTimeNs);
    w.join();
  } else if (r.failure?.kind === 'safety') {
    w.tag(5, WireType.LengthDelimited).fork();
    // each OriginatorEnvelope is an embedded message: its serialized bytes, length-delimited
    for (const env of r.failure.envelopes) w.tag(1, WireType.LengthDelimited).bytes(env);
    w.join();
  }
  if (r.submittedByNode) w.tag(6, WireType.Varint).bool(true);
  return w.finish();
}

export function decodeUnsignedReport(bytes: Uint8Array): UnsignedMisbehaviorReport {
  return guard(() => {
    const r = new BinaryReader(bytes);
    const out: UnsignedMisbehaviorReport = {
      reporterTimeNs: 0n,
      misbehavingNodeId: 0,
      type: 0,
      failure: undefined,
      submittedByNode: false,
    };
    while (r.pos < r.len) {
      const [field, wt] = r.tag();
      if (field === 1 && wt === WireType.Varint) out.reporterTimeNs = BigInt(r.uint64());
      else if (field === 2 && wt === WireType.Varint) out.misbehavingNodeId = r.uint32();
      else if (field === 3 && wt === WireType.Varint) {
        const t = r.int32();
        if (!isMisbehavior(t)) throw malformed(`unknown misbehavior type ${t}`);
        out.type = t;
      } else if (field === 4 && wt === WireType.LengthDelimited) out.failure = decodeLiveness(r.bytes());
      else if (field === 5 && wt === WireType.LengthDelimited) out.failure = decodeSafety(r.bytes());
      else if (field === 6 && wt === WireType.Varint) out.submittedByNode = r.bool();
      else r.skip(wt, field);
    }
    return out;
  });
}

export function encodeSignedReport(r: SignedMisbehaviorReport): Uint8Array {
  const w = new BinaryWriter();
  if (r.serverTimeNs !== 0n) w.tag(1, WireType.Varint).uint64(r.serverTimeNs);
  w.tag(2, WireType.LengthDelimited).bytes(r.unsignedReportBytes);
  w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).bytes(r.signature).join();
  return w.finish();
}

export function decodeSignedReport(bytes: Uint8Array): SignedMisbehaviorReport {
  return guard(() => {
    const r = new BinaryReader(bytes);
    const out: SignedMisbehaviorReport = {
      serverTimeNs: 0n,
      unsignedReportBytes: new Uint8Array(0),
      signature: new Uint8Array(0),
    };
    while (r.pos < r.len) {
      const [field, wt] = r.tag();
      if (field === 1 && wt === WireType.Varint) out.serverTimeNs = BigInt(r.uint64());
      else if (field === 2 && wt === WireType.LengthDelimited) out.unsignedReportBytes = r.bytes();
      else if (field === 3 && wt === WireType.LengthDelimited) {
        const s = new BinaryReader(r.bytes());
        while (s.pos < s.len) {
          const [f, t] = s.tag();
          if (f === 1 && t === WireType.LengthDelimited) out.signature = s.bytes();
          else s.skip(t, f);
        }
      } else r.skip(wt, field);
    }
    return out;
  });
}

function decodeLiveness(bytes: Uint8Array): MisbehaviorFailure {
  const r = new BinaryReader(bytes);
  let responseTimeNs = 0;
  while (r.pos < r.len) {
    const [f, t] = r.tag();
    if (f === 1 && t === WireType.Varint) responseTimeNs = r.uint32();
    else r.skip(t, f);
  }
  return { kind: 'liveness', responseTimeNs };
}

function decodeSafety(bytes: Uint8Array): MisbehaviorFailure {
  const r = new BinaryReader(bytes);
  const envelopes: Uint8Array[] = [];
  while (r.pos < r.len) {
    const [f, t] = r.tag();
    if (f === 1 && t === WireType.LengthDelimited) envelopes.push(r.bytes());
    else r.skip(t, f);
  }
  return { kind: 'safety', envelopes };
}

function malformed(details: string, cause?: unknown): ParleyError {
  return new ParleyError('Codec.Malformed', 'The misbehavior report is not valid protobuf.', { details, cause });
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ParleyError) throw e;
    throw malformed(e instanceof Error ? e.message : String(e), e);
  }
}
