/**
 * The PostgreSQL backend of parley-node (`--postgres URL`); node.ts loads this module only
 * when asked for, so SQLite-only use never loads `pg`.
 */
export { openPostgresStore, type PostgresNodeStore, type PostgresStoreOptions } from './postgresStore';
export { POSTGRES_SCHEMA_VERSION } from './schema';
