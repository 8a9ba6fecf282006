import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type KeyRotationPolicy } from '../core/client';
import { ParleyError } from '../core/errors';
import type { Hex } from 'viem';
import { generateWalletPrivateKey, privateKeySigner } from '../core/identity';
import type { ScryptParams } from './passphraseKey';
import { securePrivateDir } from './privateDataDir';
import { openSqliteClientStore, type SqliteClientStore } from './sqliteClientStore';
import { createWalletFile, readWalletFile, type WalletSecrets } from './walletFile';

/** The files of an agent's data directory. */
export const WALLET_FILE = 'wallet.json';
export const STORE_FILE = 'client.sqlite';

export interface AgentOptions {
  /** Holds the wallet key file and the client store; created (mode 0700) by initAgent, tightened to 0700/0600 when looser. */
  dataDir: string;
  /** The node's gRPC-web URL, e.g. http://localhost:5557. */
  apiUrl: string;
  /**
   * Protects the wallet key and every store record (scrypt, then AES-256-GCM). Without it both
   * are kept in clear, readable by anyone who can read the data directory.
   */
  passphrase?: string;
  /**
   * initAgent only: without a passphrase the agent is refused unless this is true, so keys in
   * clear are a choice, never a default.
   */
  insecureStore?: boolean;
  /** initAgent only: the agent's wallet key to use instead of a new one (an imported identity). */
  privateKey?: Hex;
  /** Background failures of the client (streams, welcomes); kept in `client.errors` by default. */
  onError?: (error: unknown) => void;
  /** Security notices (a data directory tightened, keys kept in clear); process.emitWarning by default. */
  onWarning?: (message: string) => void;
  /** When the agent replaces its keys in its groups and its key package (ClientOptions.keyRotation); Parley's defaults when left out. */
  keyRotation?: Partial<KeyRotationPolicy>;
}

export interface AgentClient {
  readonly client: Client;
  readonly store: SqliteClientStore;
  /** Lowercase 0x address of the agent's wallet. */
  readonly address: string;
  /** Closes the client, then the store (end streams first). */
  close(): Promise<void>;
}

/**
 * An agent's client over its data directory (made by initAgent): reads the wallet key, opens the
 * SQLite store (encrypted when the wallet is), and opens the inbox, registering the installation
 * if an earlier run could not.
 */
export async function createAgentClient(options: AgentOptions): Promise<AgentClient> {
  securePrivateDir(options.dataDir, warnerOf(options));
  const wallet = await readWalletFile(join(options.dataDir, WALLET_FILE), options.passphrase);
  warnIfClear(options, wallet);
  return openWith(options, wallet);
}

function warnerOf(options: AgentOptions): (message: string) => void {
  return options.onWarning ?? ((message) => process.emitWarning(message, 'ParleySecurityWarning'));
}

function warnIfClear(options: AgentOptions, wallet: WalletSecrets): void {
  if (wallet.storeKey !== undefined) return;
  warnerOf(options)(`the wallet key and messages in ${options.dataDir} are stored in clear (made without a passphrase), protected only by file permissions`);
}

/**
 * Creates the agent: a fresh wallet key in `dataDir`, its inbox and installation on the node.
 * A directory whose identity was made but not yet registered (the node was unreachable) is
 * finished instead; one already registered is Agent.AlreadyInitialized.
 */
export async function initAgent(options: AgentOptions & { scrypt?: ScryptParams }): Promise<AgentClient> {
  if (options.passphrase === undefined && options.insecureStore !== true) {
    throw new ParleyError('Agent.KeyRequired', 'A new agent needs a passphrase (or insecureStore: true to keep its keys in clear).');
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // A directory that existed already keeps its mode through mkdir: tighten it.
  securePrivateDir(options.dataDir, warnerOf(options));
  const walletPath = join(options.dataDir, WALLET_FILE);
  if (existsSync(walletPath)) {
    const wallet = await readWalletFile(walletPath, options.passphrase);
    warnIfClear(options, wallet);
    const store = await openStore(options.dataDir, wallet);
    if ((await store.getIdentity())?.registered) {
      await store.close();
      throw new ParleyError('Agent.AlreadyInitialized', 'This data directory already holds a registered agent.', {
        details: `${wallet.address} in ${options.dataDir}`,
      });
    }
    return openClient(options, wallet, store);
  }
  const wallet = await createWalletFile(walletPath, options.privateKey ?? generateWalletPrivateKey(), options.passphrase, options.scrypt);
  warnIfClear(options, wallet);
  return openWith(options, wallet);
}

async function openWith(options: AgentOptions, wallet: WalletSecrets): Promise<AgentClient> {
  return openClient(options, wallet, await openStore(options.dataDir, wallet));
}

async function openClient(options: AgentOptions, wallet: WalletSecrets, store: SqliteClientStore): Promise<AgentClient> {
  let client: Client;
  try {
    client = await Client.create(privateKeySigner(wallet.privateKey), {
      apiUrl: options.apiUrl,
      store,
      ...(options.onError !== undefined ? { onError: options.onError } : {}),
      ...(options.keyRotation !== undefined ? { keyRotation: options.keyRotation } : {}),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    client,
    store,
    address: wallet.address,
    async close() {
      client.close();
      await store.close();
    },
  };
}

/** Opens the store with the wallet's store key, which is wiped once the store holds its own derived keys. */
async function openStore(dataDir: string, wallet: WalletSecrets): Promise<SqliteClientStore> {
  try {
    return await openSqliteClientStore({ path: join(dataDir, STORE_FILE), ...(wallet.storeKey !== undefined ? { key: wallet.storeKey } : {}) });
  } finally {
    wallet.storeKey?.fill(0);
  }
}
