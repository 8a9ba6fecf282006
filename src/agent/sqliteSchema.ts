import type Database from 'better-sqlite3';
import { ParleyError } from '../core/errors';

/** The schema version this build writes; stored in PRAGMA user_version. */
export const SCHEMA_VERSION = 1;

/*
 * Version 1. Every record is one row: `k` is its primary key and `body` the encoded record
 * (sealed when the store is encrypted; then `k`, `grp` and `dm` hold HMAC names, not ids). The
 * other columns are what queries filter and order by, and stay readable in an encrypted store:
 * the kind and consent of groups, the kind, delivery status and sent time of messages.
 * `sent_at` is the u64 nanosecond time as 8 big-endian bytes, so that blob order is time order.
 */
const V1 = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE identity (k TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE groups (k TEXT PRIMARY KEY, kind TEXT NOT NULL, consent TEXT NOT NULL, dm TEXT, body BLOB NOT NULL);
CREATE INDEX groups_by_dm ON groups (dm) WHERE dm IS NOT NULL;
CREATE TABLE group_states (k TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE messages (k TEXT PRIMARY KEY, grp TEXT NOT NULL, sent_at BLOB NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, body BLOB NOT NULL);
CREATE INDEX messages_by_group_time ON messages (grp, sent_at);
CREATE TABLE intents (k TEXT PRIMARY KEY, grp TEXT NOT NULL, body BLOB NOT NULL);
CREATE INDEX intents_by_group ON intents (grp);
CREATE TABLE key_packages (k TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE cursors (k TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE identity_logs (k TEXT PRIMARY KEY, body BLOB NOT NULL);
`;

const MIGRATIONS: readonly string[] = [V1];

/** Brings the database to SCHEMA_VERSION; the caller holds a write transaction. Refuses a newer one. */
export function migrate(db: Database.Database): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new ParleyError('Agent.StoreVersion', 'The store was written by a newer Parley.', {
      details: `schema version ${current}, this build knows up to ${SCHEMA_VERSION}`,
    });
  }
  for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
  if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
