import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, tempDir, type TestNode } from '../node/helpers';
import { makeTestCa, type TestCa } from '../node/transport/testCertificates';
import { eventually } from './eventually';
import { Peer, type CreatedClient } from './peer';
import { newPeerIdentity } from './peerIdentity';
import { requireInteropEnv } from './testEnv';

// Issue 10: unmodified @xmtp/node-sdk 6.0.0 over TLS. libxmtp's native gRPC client builds its
// TLS channel with tonic's ClientTlsConfig::with_enabled_roots() (crates/xmtp_api_grpc/src/
// grpc_client/native.rs), i.e. rustls-native-certs, which reads SSL_CERT_FILE: that is how a
// private CA is trusted, and the only way (node-sdk takes no CA option).

const STEP_TIMEOUT_MS = 180_000;

describe('node-sdk peers over TLS to parley-node', () => {
  let dir: string;
  let ca: TestCa;
  let node: TestNode;
  const peers: Peer[] = [];

  beforeAll(async () => {
    requireInteropEnv();
    dir = tempDir('parley-tls-interop-');
    ca = makeTestCa(dir);
    const pair = ca.issue('node');
    node = await startTestNode({ tls: pair });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.kill()));
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function startPeer(name: string, env: Record<string, string>): Promise<{ peer: Peer; client: CreatedClient }> {
    const identity = newPeerIdentity();
    const started = await Peer.start(
      name,
      {
        privateKey: identity.privateKey,
        apiUrl: `https://localhost:${node.grpcPort}`,
        dbPath: join(dir, `${name}.db3`),
        dbEncryptionKey: identity.dbEncryptionKey,
        loggingLevel: 'Warn',
      },
      { commandTimeoutMs: 90_000, env },
    );
    peers.push(started.peer);
    return started;
  }

  it('two clients that trust the test CA (SSL_CERT_FILE) register, and a DM carries a message', { timeout: STEP_TIMEOUT_MS }, async () => {
    const trust = { SSL_CERT_FILE: ca.caFile };
    const alice = await startPeer('alice', trust);
    const bob = await startPeer('bob', trust);
    expect(alice.client.isRegistered).toBe(true);
    expect(bob.client.isRegistered).toBe(true);

    const dm = await alice.peer.newDm(bob.client.inboxId);
    await alice.peer.send(dm.id, 'hello over TLS');
    const texts = await eventually(
      'bob has the message',
      async () => {
        await bob.peer.syncAll();
        const got = await bob.peer.texts(dm.id).catch((): string[] => []);
        return got.includes('hello over TLS') ? got : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(texts).toContain('hello over TLS');
  });

  it('a client that does not trust the CA cannot register', { timeout: STEP_TIMEOUT_MS }, async () => {
    // Another CA's file: with SSL_CERT_FILE set, the system roots are not read either.
    const otherDir = tempDir('parley-other-ca-');
    const untrusted = join(dir, 'other-ca.pem');
    copyFileSync(makeTestCa(otherDir).caFile, untrusted);
    rmSync(otherDir, { recursive: true, force: true });
    const caught = await startPeer('mallory', { SSL_CERT_FILE: untrusted }).then(() => undefined, (e: unknown) => e);
    // rustls: "invalid peer certificate: BadSignature" (the other CA has the same name).
    expect(String(caught)).toMatch(/invalid peer certificate/);
  });
});
