import type Database from 'better-sqlite3';
import { ParleyError } from '../../../core/errors';
import { keyPackageLifetime } from '../keyPackageLifetime';

/** The schema version this build writes; stored in PRAGMA user_version. */
export const SCHEMA_VERSION = 2;

/**
 * Version 1. Ids are AUTOINCREMENT so a deleted row's id is never handed out again (clients
 * keep cursors). The *_hash columns are topicDataHash (storageKeys.ts): a re-sent message or welcome is
 * recognised and not stored twice (xmtp-node-go does the same with group_id_data_hash).
 */
export const SCHEMA_V1 = `
CREATE TABLE group_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ns INTEGER NOT NULL,
  group_id BLOB NOT NULL,
  data BLOB NOT NULL,
  sender_hmac BLOB NOT NULL,
  should_push INTEGER NOT NULL,
  is_commit INTEGER NOT NULL,
  data_hash BLOB NOT NULL
);
CREATE INDEX group_messages_by_group ON group_messages (group_id, id);
CREATE UNIQUE INDEX group_messages_dedupe ON group_messages (data_hash);

CREATE TABLE welcomes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ns INTEGER NOT NULL,
  installation_key BLOB NOT NULL,
  kind INTEGER NOT NULL,
  data BLOB NOT NULL,
  hpke_public_key BLOB NOT NULL,
  wrapper_algorithm INTEGER NOT NULL,
  welcome_metadata BLOB NOT NULL,
  data_hash BLOB NOT NULL
);
CREATE INDEX welcomes_by_installation ON welcomes (installation_key, id);
CREATE UNIQUE INDEX welcomes_dedupe ON welcomes (data_hash);

CREATE TABLE key_packages (
  installation_key BLOB PRIMARY KEY,
  inbox_id TEXT NOT NULL,
  key_package BLOB NOT NULL,
  created_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE identity_updates (
  sequence_id INTEGER PRIMARY KEY AUTOINCREMENT,
  inbox_id TEXT NOT NULL,
  server_timestamp_ns INTEGER NOT NULL,
  update_bytes BLOB NOT NULL
);
CREATE INDEX identity_updates_by_inbox ON identity_updates (inbox_id, sequence_id);

CREATE TABLE members (
  member TEXT NOT NULL,
  inbox_id TEXT NOT NULL,
  association_sequence_id INTEGER NOT NULL,
  revocation_sequence_id INTEGER,
  PRIMARY KEY (member, association_sequence_id)
) WITHOUT ROWID;

CREATE TABLE commit_log (
  sequence_id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id BLOB NOT NULL,
  entry BLOB NOT NULL,
  signature BLOB NOT NULL
);
CREATE INDEX commit_log_by_group ON commit_log (group_id, sequence_id);
`;

/**
 * Version 2: a key package's leaf lifetime gets columns of its own (the newest by not_before is
 * kept, never the latest upload), backfilled by parsing the stored key packages (a row that does
 * not parse gets 0: the oldest, replaced by any valid upload, and expired); indexes for the
 * retention sweep.
 */
function v2(db: Database.Database): void {
  db.exec(`
ALTER TABLE key_packages ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE key_packages ADD COLUMN not_after INTEGER NOT NULL DEFAULT 0;
CREATE INDEX key_packages_by_expiry ON key_packages (not_after);
CREATE INDEX welcomes_by_age ON welcomes (created_ns);
`);
  const rows = db.prepare('SELECT installation_key, key_package FROM key_packages').all() as { installation_key: Buffer; key_package: Buffer }[];
  const update = db.prepare('UPDATE key_packages SET not_before = ?, not_after = ? WHERE installation_key = ?');
  for (const row of rows) {
    const lifetime = keyPackageLifetime(new Uint8Array(row.key_package));
    if (lifetime) update.run(lifetime.notBefore, lifetime.notAfter, row.installation_key);
  }
}

const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [(db) => db.exec(SCHEMA_V1), v2];

/** Brings a database to SCHEMA_VERSION in one transaction; refuses a newer one. */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > SCHEMA_VERSION) {
      throw new ParleyError('Node.StoreCorrupt', 'The data directory was written by a newer parley-node.', {
        details: `schema version ${current}, this build knows up to ${SCHEMA_VERSION}`,
      });
    }
    for (let v = current; v < SCHEMA_VERSION; v++) {
      MIGRATIONS[v]?.(db);
    }
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
