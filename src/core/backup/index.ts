/** Encrypted identity backups: the file format of docs/backup-format.md. */
export { openBackup, sealBackup, type BackupProgress, type OpenBackupOptions, type SealBackupOptions } from './backupFile';
export type { BackupContents, BackupIdentity } from './backupContents';
export { DEFAULT_BACKUP_SCRYPT, MIN_PASSPHRASE_LENGTH, type ScryptCost } from './backupKey';
export { BACKUP_VERSION } from './backupContainer';
