import { join } from 'node:path';
import { Peer, type CreatedClient } from './peer';
import { newPeerIdentity, type PeerIdentity } from './peerIdentity';

/** An unmodified node-sdk client in its own process, with the account it signs with. */
export interface SdkMember {
  name: string;
  identity: PeerIdentity;
  peer: Peer;
  client: CreatedClient;
}

/** Starts a node-sdk member on a fresh account, its database under `workDir`. */
export async function startSdkMember(name: string, at: { apiUrl: string; workDir: string }): Promise<SdkMember> {
  const identity = newPeerIdentity();
  const { peer, client } = await Peer.start(
    name,
    { privateKey: identity.privateKey, apiUrl: at.apiUrl, dbPath: join(at.workDir, `${name}.db3`), dbEncryptionKey: identity.dbEncryptionKey, loggingLevel: 'Info' },
    { commandTimeoutMs: 120_000 },
  );
  return { name, identity, peer, client };
}
