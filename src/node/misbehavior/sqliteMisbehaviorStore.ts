/** The misbehaviour report table on a node's SQLite database (better-sqlite3, synchronous). */
import type Database from 'better-sqlite3';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { Misbehavior } from './misbehavior';
import type { MisbehaviorQuery, MisbehaviorRow, MisbehaviorStore } from './misbehaviorStore';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS misbehavior_reports (
  id INTEGER PRIMARY KEY,
  server_time_ns INTEGER NOT NULL,
  reporter_node_id INTEGER NOT NULL,
  misbehaving_node_id INTEGER NOT NULL,
  type INTEGER NOT NULL,
  unsigned_report BLOB NOT NULL,
  signature BLOB NOT NULL,
  report_hash BLOB NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS misbehavior_reports_by_time ON misbehavior_reports (server_time_ns, id);
CREATE INDEX IF NOT EXISTS misbehavior_reports_by_node ON misbehavior_reports (misbehaving_node_id, server_time_ns);
`;

interface Row {
  server_time_ns: bigint;
  reporter_node_id: bigint;
  misbehaving_node_id: bigint;
  type: bigint;
  unsigned_report: Buffer;
  signature: Buffer;
}

/** Creates the table if needed; `db` may be the node store's own connection. */
export function sqliteMisbehaviorStore(db: Database.Database): MisbehaviorStore {
  db.exec(SCHEMA);
  const insert = db.prepare(
    `INSERT INTO misbehavior_reports
       (server_time_ns, reporter_node_id, misbehaving_node_id, type, unsigned_report, signature, report_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_hash) DO NOTHING`,
  );
  const byTime = db
    .prepare(
      `SELECT server_time_ns, reporter_node_id, misbehaving_node_id, type, unsigned_report, signature
       FROM misbehavior_reports WHERE server_time_ns > ? ORDER BY server_time_ns, id LIMIT ?`,
    )
    .safeIntegers(true);
  const byNode = db
    .prepare(
      `SELECT server_time_ns, reporter_node_id, misbehaving_node_id, type, unsigned_report, signature
       FROM misbehavior_reports WHERE server_time_ns > ? AND misbehaving_node_id = ?
       ORDER BY server_time_ns, id LIMIT ?`,
    )
    .safeIntegers(true);
  const latest = db.prepare(`SELECT max(server_time_ns) AS t FROM misbehavior_reports`).safeIntegers(true);
  return {
    insert: async (r) =>
      insert.run(
        r.serverTimeNs,
        r.reporterNodeId,
        r.misbehavingNodeId,
        r.type,
        r.unsignedReportBytes,
        r.signature,
        keccak_256(r.unsignedReportBytes),
      ).changes === 1,
    query: async (q: MisbehaviorQuery) => {
      const rows = (
        q.misbehavingNodeId === undefined
          ? byTime.all(q.afterNs, q.limit)
          : byNode.all(q.afterNs, q.misbehavingNodeId, q.limit)
      ) as Row[];
      return rows.map(fromRow);
    },
    latestServerTimeNs: async () => (latest.get() as { t: bigint | null }).t ?? 0n,
  };
}

function fromRow(r: Row): MisbehaviorRow {
  return {
    serverTimeNs: r.server_time_ns,
    reporterNodeId: Number(r.reporter_node_id),
    misbehavingNodeId: Number(r.misbehaving_node_id),
    type: Number(r.type) as Misbehavior,
    unsignedReportBytes: new Uint8Array(r.unsigned_report),
    signature: new Uint8Array(r.signature),
  };
}
