import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../../src/core/api';
import { Client, createMemoryStore } from '../../../src/core/client';
import { isParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { loadTlsPair } from '../../../src/node/transport/tlsIdentity';
import { DEFAULT_TRANSPORT_LIMITS } from '../../../src/node/transport/transportLimits';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { call, startTestNode, tempDir, type TestNode } from '../helpers';
import { fingerprintOf, makeTestCa, servedFingerprint, type TestCa } from './testCertificates';

/** fetch over node:https trusting `ca` only: what Parley's gRPC-web client runs on here. */
function fetchTrusting(ca: Buffer): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        new URL(String(input)),
        { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, ca, ...(init?.signal ? { signal: init.signal } : {}) },
        (res) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
          }
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status: res.statusCode ?? 0, headers }));
        },
      );
      req.on('error', reject);
      req.end(init?.body === undefined || init.body === null ? undefined : Buffer.from(init.body as Uint8Array));
    });
}

function plainGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: 'localhost' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<unknown> {
  const caught = await promise.then(() => undefined, (e: unknown) => e);
  expect(isParleyError(caught) ? caught.code : String(caught)).toBe(code);
  return caught;
}

describe('parley-node over TLS', () => {
  let dir: string;
  let ca: TestCa;
  let first: { certFile: string; keyFile: string };
  let second: { certFile: string; keyFile: string };
  /** The paths the node was started with; tests copy other pairs over them and reload. */
  let served: { certFile: string; keyFile: string };
  let node: TestNode;

  beforeAll(async () => {
    dir = tempDir('parley-tls-');
    ca = makeTestCa(dir);
    first = ca.issue('first');
    second = ca.issue('second');
    served = { certFile: join(dir, 'served.pem'), keyFile: join(dir, 'served.key') };
    copyFileSync(first.certFile, served.certFile);
    copyFileSync(first.keyFile, served.keyFile);
    node = await startTestNode({ tls: served, corsOrigins: ['*'] });
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('certificate checks', () => {
    it('names a missing certificate or key file (Node.TlsUnreadable)', async () => {
      const caught = await rejectsWithCode(loadTlsPair({ certFile: join(dir, 'nope.pem'), keyFile: first.keyFile }), 'Node.TlsUnreadable');
      expect(String((caught as Error).message)).toContain('nope.pem: ENOENT');
      await rejectsWithCode(loadTlsPair({ certFile: first.certFile, keyFile: join(dir, 'nope.key') }), 'Node.TlsUnreadable');
    });

    it('refuses files that hold no certificate or no key (Node.TlsInvalid)', async () => {
      const junk = join(dir, 'junk.txt');
      writeFileSync(junk, 'not a PEM file\n');
      await rejectsWithCode(loadTlsPair({ certFile: junk, keyFile: first.keyFile }), 'Node.TlsInvalid');
      // The certificate where the key should be: a swapped pair of flags.
      await rejectsWithCode(loadTlsPair({ certFile: first.certFile, keyFile: first.certFile }), 'Node.TlsInvalid');
    });

    it('refuses a key that is not the certificate\'s (Node.TlsKeyMismatch)', async () => {
      await rejectsWithCode(loadTlsPair({ certFile: first.certFile, keyFile: second.keyFile }), 'Node.TlsKeyMismatch');
    });

    it('does not start with a bad pair', async () => {
      await rejectsWithCode(startTestNode({ tls: { certFile: first.certFile, keyFile: second.keyFile } }), 'Node.TlsKeyMismatch');
    });

    it('reports the served certificate', () => {
      expect(node.tls?.fingerprint256).toBe(fingerprintOf(first.certFile));
      expect(node.tls?.subject).toContain('CN=first');
    });
  });

  it('two Parley clients register and exchange a DM over gRPC-web on HTTPS, trusting the test CA', { timeout: 60_000 }, async () => {
    const api = () => createGrpcWebApi({ url: `https://localhost:${node.webPort}`, fetch: fetchTrusting(ca.ca) });
    const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: api(), store: createMemoryStore() });
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bob = await Client.create(bobSigner, { api: api(), store: createMemoryStore() });
    const dm = await alice.conversations.createDm(bobSigner.identifier);
    await dm.sendText('hello over TLS');
    await bob.conversations.sync();
    const bobDm = await bob.conversations.getConversationById(dm.id);
    expect(bobDm).toBeDefined();
    await bobDm!.sync();
    const texts = (await bobDm!.messages()).flatMap((m) => (m.content?.type === 'text' ? [m.content.text] : []));
    expect(texts).toContain('hello over TLS');
  });

  it('native gRPC over TLS answers a grpc-js client that trusts the test CA', async () => {
    const client = new grpc.Client(`localhost:${node.grpcPort}`, grpc.credentials.createSsl(ca.ca));
    try {
      const ids = await call(client, 'getInboxIds', { requests: [{ identifier: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', identifierKind: 1 }] });
      expect(ids.responses).toHaveLength(1);
      expect(ids.responses[0]?.inboxId).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('refuses plaintext clients on both TLS ports', async () => {
    const client = new grpc.Client(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure());
    try {
      const caught = await call(client, 'getInboxIds', { requests: [] }).then(() => undefined, (e: unknown) => e);
      expect((caught as { code?: number }).code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
    await expect(plainGet(node.webPort, '/health')).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('refuses a client that does not trust the certificate', async () => {
    const client = new grpc.Client(`localhost:${node.grpcPort}`, grpc.credentials.createSsl());
    try {
      const caught = await call(client, 'getInboxIds', { requests: [] }).then(() => undefined, (e: unknown) => e);
      expect((caught as { code?: number }).code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
    await expect(fetchTrusting(Buffer.from(''))(`https://localhost:${node.webPort}/health`)).rejects.toThrow();
  });

  it('reload serves a new pair on both listeners; a bad pair keeps the old one serving', async () => {
    expect(await servedFingerprint(node.grpcPort, ca.ca, ['h2'])).toBe(fingerprintOf(first.certFile));
    expect(await servedFingerprint(node.webPort, ca.ca, ['http/1.1'])).toBe(fingerprintOf(first.certFile));

    copyFileSync(second.certFile, served.certFile);
    copyFileSync(second.keyFile, served.keyFile);
    const reloaded = await node.reloadTls();
    expect(reloaded.fingerprint256).toBe(fingerprintOf(second.certFile));
    expect(await servedFingerprint(node.grpcPort, ca.ca, ['h2'])).toBe(reloaded.fingerprint256);
    expect(await servedFingerprint(node.webPort, ca.ca, ['http/1.1'])).toBe(reloaded.fingerprint256);

    // Half-renewed: the new key is in place but the certificate is still the old one.
    copyFileSync(first.keyFile, served.keyFile);
    await rejectsWithCode(node.reloadTls(), 'Node.TlsKeyMismatch');
    expect(await servedFingerprint(node.grpcPort, ca.ca, ['h2'])).toBe(reloaded.fingerprint256);
    expect(await servedFingerprint(node.webPort, ca.ca, ['http/1.1'])).toBe(reloaded.fingerprint256);
    const health = await fetchTrusting(ca.ca)(`https://localhost:${node.webPort}/health`);
    expect(health.status).toBe(200);
  });

  it('closes a TLS connection past the per-IP cap before its handshake', async () => {
    const capped = await startTestNode({ tls: first, transportLimits: { ...DEFAULT_TRANSPORT_LIMITS, maxConnectionsPerIp: 1 } });
    const open: TLSSocket[] = [];
    try {
      const connectOnce = () =>
        new Promise<TLSSocket>((resolve, reject) => {
          const socket = tlsConnect({ host: '127.0.0.1', port: capped.webPort, servername: 'localhost', ca: ca.ca }, () => resolve(socket));
          open.push(socket);
          socket.on('error', reject);
        });
      await connectOnce();
      await expect(connectOnce()).rejects.toThrow(/socket disconnected|ECONNRESET/);
    } finally {
      for (const s of open) s.destroy();
      await capped.stop();
    }
  });

  it('shows the served certificate\'s expiry in the metrics, moved by a reload', async () => {
    const paths = { certFile: join(dir, 'metered.pem'), keyFile: join(dir, 'metered.key') };
    const early = ca.issue('early', 1);
    copyFileSync(early.certFile, paths.certFile);
    copyFileSync(early.keyFile, paths.keyFile);
    const metered = await startTestNode({ tls: paths, metrics: { host: '127.0.0.1', port: 0 } });
    try {
      const expiry = async (): Promise<number> => {
        const text = await (await fetch(`http://127.0.0.1:${metered.metricsPort}/metrics`)).text();
        return Number(/^parley_tls_certificate_expiry_seconds (\S+)$/m.exec(text)?.[1]);
      };
      const expiresOf = (file: string) => Date.parse(new X509Certificate(readFileSync(file)).validTo) / 1000;
      expect(await expiry()).toBe(expiresOf(early.certFile));
      copyFileSync(second.certFile, paths.certFile);
      copyFileSync(second.keyFile, paths.keyFile);
      await metered.reloadTls();
      expect(await expiry()).toBe(expiresOf(second.certFile));
      expect(expiresOf(second.certFile)).toBeGreaterThan(expiresOf(early.certFile));
    } finally {
      await metered.stop();
    }
  });
});
