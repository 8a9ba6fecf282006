/** Node-only pieces for agents: the SQLite client store and an agent's data directory. */
export { createAgentClient, initAgent, STORE_FILE, WALLET_FILE, type AgentClient, type AgentOptions } from './agentClient';
export { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './passphraseKey';
export { openSqliteClientStore, SqliteClientStore, type SqliteClientStoreOptions } from './sqliteClientStore';
export { createWalletFile, readWalletFile, type WalletSecrets } from './walletFile';
