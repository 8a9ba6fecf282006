/** Node-only pieces for agents: the SQLite client store and an agent's data directory. */
export { createAgentClient, initAgent, STORE_FILE, WALLET_FILE, type AgentClient, type AgentOptions } from './agentClient';
export { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './passphraseKey';
export { openSqliteClientStore, SqliteClientStore, type SqliteClientStoreOptions } from './sqliteClientStore';
export { createWalletFile, readWalletFile, type WalletSecrets } from './walletFile';
export { Agent, type AgentEventName, type AgentEvents, type AgentRunOptions, type ConversationContext, type CreateAgentOptions } from './bot/agent';
export { CommandRouter, type CommandHandler } from './bot/commandRouter';
export { MessageContext, type ReceivedMessage } from './bot/messageContext';
export { composeMiddleware, type Middleware } from './bot/middleware';
