import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Peer, PeerCommandError } from './peer';
import { newPeerIdentity } from './peerIdentity';
import { ReferenceNode } from './referenceNode';
import { requireInteropEnv } from './testEnv';

// Checks the harness itself (node-sdk under Debian 13's loader, the JSON-line driver) against
// the reference node, so that it is known to work whatever state parley-node is in.
describe('interop harness: a real node-sdk peer', { timeout: 60_000 }, () => {
  let workDir: string;
  const peers: Peer[] = [];
  const referenceNodes: ReferenceNode[] = [];

  beforeAll(async () => {
    requireInteropEnv();
    workDir = await mkdtemp(join(tmpdir(), 'parley-peer-'));
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.kill()));
    await Promise.all(referenceNodes.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('registers against the reference node with the calls libxmtp makes at Client.create', async () => {
    const reference = await ReferenceNode.start();
    referenceNodes.push(reference);
    const peer = Peer.spawn('alice');
    peers.push(peer);
    const alice = newPeerIdentity();

    const created = await peer.create({
      privateKey: alice.privateKey,
      apiUrl: reference.apiUrl,
      dbPath: join(workDir, 'alice.db3'),
      dbEncryptionKey: alice.dbEncryptionKey,
    });

    expect(created.address).toBe(alice.address);
    expect(created.isRegistered).toBe(true);
    expect(created.inboxId).toMatch(/^[0-9a-f]{64}$/);
    // The order captured from node-sdk 6.0.0 (shared fixtures README, DESIGN §3).
    expect(reference.calls.map((c) => c.method).slice(0, 6)).toEqual([
      'IdentityApi/GetInboxIds',
      'IdentityApi/GetInboxIds',
      'IdentityApi/GetIdentityUpdates',
      'MlsApi/UploadKeyPackage',
      'IdentityApi/PublishIdentityUpdate',
      'IdentityApi/GetIdentityUpdates',
    ]);
    const [update] = reference.publishedUpdates(created.inboxId);
    expect(update?.actions[0]?.createInbox?.initialIdentifier).toBe(alice.address);
    expect(update?.actions[1]?.add?.newMemberIdentifier?.installationPublicKey).toBeDefined();
    expect(await peer.inboxId()).toBe(created.inboxId);
  });

  it('answers an unknown command with an error that names it', async () => {
    const peer = Peer.spawn('bob');
    peers.push(peer);
    const error = await peer.call('noSuchCommand').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerCommandError);
    expect((error as PeerCommandError).errorName).toBe('UnknownCommand');
    expect((error as PeerCommandError).reason).toBe('noSuchCommand');
  });

  it('refuses client commands before create', async () => {
    const peer = Peer.spawn('carol');
    peers.push(peer);
    await expect(peer.conversations()).rejects.toThrow(/no client: send "create" first/);
  });

  it('fails a pending command when the peer is killed, instead of hanging', async () => {
    // A node that accepts connections and never answers keeps Client.create waiting.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const peer = Peer.spawn('dave');
      peers.push(peer);
      const dave = newPeerIdentity();
      const pending = peer.create({
        privateKey: dave.privateKey,
        apiUrl: `http://127.0.0.1:${port}`,
        dbPath: join(workDir, 'dave.db3'),
        dbEncryptionKey: dave.dbEncryptionKey,
      });
      const outcome = pending.then(() => 'answered', (e: unknown) => e);
      // Wait until libxmtp has connected, so the kill lands mid-command.
      while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      await peer.kill();
      const error = await outcome;
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/create: the peer process killed by SIGKILL/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
