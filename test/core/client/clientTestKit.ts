import { createGrpcWebApi } from '../../../src/core/api';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type ClientStore } from '../../../src/core/client';
import type { DecodedMessage } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import type { WalletSigner } from '../../../src/core/identity';
import type { RunningNode } from '../../../src/node/node';
import { startTestNode } from '../../node/helpers';

export interface TestNetwork {
  node: RunningNode;
  url: string;
  api(): NetworkApi;
  stop(): Promise<void>;
}

/** An in-process parley-node on loopback with its SQLite under a temp dir. */
export async function startTestNetwork(options: { corsOrigins?: readonly string[] } = {}): Promise<TestNetwork> {
  const node = await startTestNode({ shutdownGraceMs: 500, ...options });
  const url = `http://127.0.0.1:${node.webPort}`;
  return {
    node,
    url,
    api: () => createGrpcWebApi({ url }),
    stop: () => node.stop(),
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
