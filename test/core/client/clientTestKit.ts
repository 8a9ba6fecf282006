import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGrpcWebApi } from '../../../src/core/api';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type ClientStore } from '../../../src/core/client';
import type { DecodedMessage } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import type { WalletSigner } from '../../../src/core/identity';
import { silentLogger } from '../../../src/node/log';
import { startNode, type RunningNode } from '../../../src/node/node';

export interface TestNetwork {
  node: RunningNode;
  url: string;
  api(): NetworkApi;
  stop(): Promise<void>;
}

/** An in-process parley-node on loopback with its SQLite under a temp dir. */
export async function startTestNetwork(): Promise<TestNetwork> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-client-'));
  const node = await startNode({
    host: '127.0.0.1',
    port: 0,
    webPort: 0,
    dataDir,
    logger: silentLogger,
    rateLimits: { writes: 0, reads: 0, windowMs: 300_000 },
    shutdownGraceMs: 500,
  });
  const url = `http://127.0.0.1:${node.webPort}`;
  return {
    node,
    url,
    api: () => createGrpcWebApi({ url }),
    async stop() {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  signer: WalletSigner;
  store: ClientStore;
  client: Client;
  address: string;
}

export async function newUser(network: TestNetwork, signer: WalletSigner = privateKeySigner(generateWalletPrivateKey())): Promise<TestUser> {
  const store = createMemoryStore();
  const client = await Client.create(signer, { api: network.api(), store });
  return { signer, store, client, address: signer.identifier };
}

/** Texts of a message list, for assertions that read like the conversation. */
export function texts(messages: readonly DecodedMessage[]): string[] {
  return messages.flatMap((m) => (m.content?.type === 'text' ? [m.content.text] : []));
}
