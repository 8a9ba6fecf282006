import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { Misbehavior, type UnsignedMisbehaviorReport } from '../../../src/node/misbehavior/misbehavior';
import { MisbehaviorService } from '../../../src/node/misbehavior/misbehaviorService';
import type { MisbehaviorStore } from '../../../src/node/misbehavior/misbehaviorStore';
import { postgresMisbehaviorStore } from '../../../src/node/misbehavior/postgresMisbehaviorStore';
import {
  decodeSignedReport,
  decodeUnsignedReport,
  encodeSignedReport,
  encodeUnsignedReport,
} from '../../../src/node/misbehavior/reportCodec';
import { recoverMisbehaviorReporter, signMisbehaviorReport } from '../../../src/node/misbehavior/reportSignature';
import { sqliteMisbehaviorStore } from '../../../src/node/misbehavior/sqliteMisbehaviorStore';
import { requirePostgresUrl } from '../../interop/testEnv';

const reportArb: fc.Arbitrary<UnsignedMisbehaviorReport> = fc.record({
  reporterTimeNs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  misbehavingNodeId: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  type: fc.integer({ min: 0, max: 8 }) as fc.Arbitrary<Misbehavior>,
  failure: fc.oneof(
    fc.constant(undefined),
    fc.record({ kind: fc.constant('liveness' as const), responseTimeNs: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
    fc.record({ kind: fc.constant('safety' as const), envelopes: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }) }),
  ),
  submittedByNode: fc.boolean(),
});

describe('misbehaviour report codec', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(reportArb, (r) => {
        expect(decodeUnsignedReport(encodeUnsignedReport(r))).toEqual(r);
      }),
    );
  });

  it('gives Codec.Malformed for random bytes, never another throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const decode of [decodeUnsignedReport, decodeSignedReport]) {
          try {
            decode(bytes);
          } catch (e) {
            expect(isParleyError(e, 'Codec.Malformed')).toBe(true);
          }
        }
      }),
    );
  });

  it('round-trips a signed report', () => {
    const signed = { serverTimeNs: 5n, unsignedReportBytes: new Uint8Array([8, 1]), signature: new Uint8Array(65).fill(3) };
    expect(decodeSignedReport(encodeSignedReport(signed))).toEqual(signed);
  });

  it('puts the misbehaving node in field 2 and the type in field 3 (misbehavior_api.proto)', () => {
    const bytes = encodeUnsignedReport({ reporterTimeNs: 0n, misbehavingNodeId: 300, type: Misbehavior.DUPLICATE_SEQUENCE_ID, failure: undefined, submittedByNode: false });
    expect([...bytes]).toEqual([0x10, 0xac, 0x02, 0x18, 0x05]);
  });
});

describe('misbehaviour report signature', () => {
  it('recovers the signing node key, and not after a byte of the report changes', () => {
    const key = secp256k1.utils.randomSecretKey();
    const bytes = encodeUnsignedReport({ reporterTimeNs: 1n, misbehavingNodeId: 200, type: Misbehavior.OUT_OF_ORDER, failure: undefined, submittedByNode: true });
    const sig = signMisbehaviorReport(bytes, key);
    expect(sig.length).toBe(65);
    expect([0, 1]).toContain(sig[64]);
    expect(recoverMisbehaviorReporter(bytes, sig)).toEqual(secp256k1.getPublicKey(key));
    const altered = bytes.slice();
    altered[altered.length - 1] = altered.at(-1)! ^ 1;
    let other: Uint8Array | undefined;
    try {
      other = recoverMisbehaviorReporter(altered, sig);
    } catch (e) {
      expect(isParleyError(e, 'Misbehavior.BadSignature')).toBe(true);
    }
    expect(other).not.toEqual(secp256k1.getPublicKey(key));
  });

  it('refuses a signature whose v is not 0 or 1', () => {
    const sig = new Uint8Array(65);
    sig[64] = 27;
    expect(() => recoverMisbehaviorReporter(new Uint8Array(), sig)).toThrow(expect.objectContaining({ code: 'Misbehavior.BadSignature' }));
  });
});

const dir = mkdtempSync(join(tmpdir(), 'parley-misbehavior-'));
const pgUrl = requirePostgresUrl();
const pgSchema = `parley_t_${randomBytes(6).toString('hex')}`;
const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => Promise<MisbehaviorStore>][] = [
  ['SQLite', async () => sqliteMisbehaviorStore(new Database(join(dir, `${randomBytes(4).toString('hex')}.db`)))],
  ['PostgreSQL', () => postgresMisbehaviorStore(pool, pgSchema)],
];

describe.each(stores)('misbehaviour reports on %s', (_name, open) => {
  it('a node reports an equivocation with both envelopes; a query returns it signed by the node', async () => {
    const key = secp256k1.utils.randomSecretKey();
    let clock = 1_000n;
    const svc = new MisbehaviorService({ nodeId: 100, nodePrivateKey: key, store: await open(), nowNs: () => clock });
    const proof = [new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])];
    await svc.reportByNode(300, Misbehavior.DUPLICATE_SEQUENCE_ID, { kind: 'safety', envelopes: proof });
    await svc.reportByNode(200, Misbehavior.OUT_OF_ORDER, { kind: 'safety', envelopes: [] });
    const all = await svc.query(0n);
    expect(all.map((r) => decodeUnsignedReport(r.unsignedReportBytes).misbehavingNodeId)).toEqual([300, 200]);
    const first = decodeUnsignedReport(all[0]!.unsignedReportBytes);
    expect(first).toMatchObject({ type: Misbehavior.DUPLICATE_SEQUENCE_ID, submittedByNode: true, failure: { kind: 'safety', envelopes: proof } });
    for (const r of all) expect(recoverMisbehaviorReporter(r.unsignedReportBytes, r.signature)).toEqual(secp256k1.getPublicKey(key));
    // two reports in the same nanosecond still page apart
    expect(all[1]!.serverTimeNs).toBeGreaterThan(all[0]!.serverTimeNs);
    expect(await svc.query(all[0]!.serverTimeNs)).toEqual([all[1]]);
    expect((await svc.query(0n, 300)).length).toBe(1);
    clock = 5_000n;
  });

  it('takes a client report, signs it, and refuses one claiming to come from a node', async () => {
    const svc = new MisbehaviorService({ nodeId: 200, nodePrivateKey: secp256k1.utils.randomSecretKey(), store: await open() });
    const before = (await svc.query(0n)).length;
    const client = { reporterTimeNs: 7n, misbehavingNodeId: 100, type: Misbehavior.UNRESPONSIVE_NODE, failure: { kind: 'liveness' as const, responseTimeNs: 9 }, submittedByNode: false };
    await svc.submitFromClient(encodeUnsignedReport(client));
    await expect(svc.submitFromClient(encodeUnsignedReport({ ...client, submittedByNode: true }))).rejects.toMatchObject({ code: 'Misbehavior.BadReport' });
    await expect(svc.submitFromClient(encodeUnsignedReport({ ...client, type: Misbehavior.UNSPECIFIED }))).rejects.toMatchObject({ code: 'Misbehavior.BadReport' });
    const after = await svc.query(0n);
    expect(after.length).toBe(before + 1);
    expect(decodeUnsignedReport(after.at(-1)!.unsignedReportBytes)).toEqual(client);
  });
});
