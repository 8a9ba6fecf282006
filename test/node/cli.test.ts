import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/node/args';
import { DEV_CORS_ORIGINS } from '../../src/node/transport/cors';
import { isParleyError } from '../../src/core/errors';
import { spawnNode, type ChildNode } from './childNode';
import { keyPackageFor, newIdentity, privateMessage } from './fixtures';
import { call, tempDir } from './helpers';

const run = promisify(execFile);
const CLI = new URL('../../src/node/cli.ts', import.meta.url).pathname;
const BIN = new URL('../../src/node/bin.mjs', import.meta.url).pathname;

describe('parley-node CLI', () => {
  const dirs: string[] = [];
  const children: ChildNode[] = [];
  afterAll(() => {
    for (const c of children) c.process.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('parses the documented options with their defaults', () => {
    expect(parseCliArgs([])).toEqual({
      help: false,
      options: { port: 5556, webPort: 5557, host: '127.0.0.1', dataDir: './.parley-node', logLevel: 'info', rateLimitWrites: 3000, rateLimitReads: 20000, maxStreamsPerClient: 100, maxStreams: 10000, maxTopicsPerStream: 10000, maxStreamTopics: 2000000, headersTimeoutMs: 10000, requestTimeoutMs: 60000, idleTimeoutMs: 60000, maxConnectionsPerIp: 256, maxConnections: 10000, maxStreamsPerConnection: 256, corsOrigins: [...DEV_CORS_ORIGINS], publicHosts: [], rateLimitWriteBytes: 104857600, welcomeRetentionDays: 90, metricsHost: '127.0.0.1' },
    });
    const parsed = parseCliArgs(['--port', '0', '--web-port', '7', '--host', '::1', '--data-dir', '/x', '--postgres', 'postgres://u@h/db', '--log-level', 'debug']);
    expect(parsed).toMatchObject({ help: false, options: { port: 0, webPort: 7, host: '::1', dataDir: '/x', postgres: 'postgres://u@h/db', logLevel: 'debug' } });
    expect(parseCliArgs(['--rate-limit-write-bytes', '0', '--welcome-retention-days', '7'])).toMatchObject({
      options: { rateLimitWriteBytes: 0, welcomeRetentionDays: 7 },
    });
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    const cors = parseCliArgs(['--cors-origin', 'https://A.example/', '--cors-origin', 'moz-extension://x', '--public-host', 'Node.example.org'], {
      PARLEY_CORS_ORIGINS: 'https://b.example, *',
    });
    expect(parseCliArgs(['--metrics-port', '9464', '--metrics-host', '10.0.0.5'])).toMatchObject({ options: { metricsPort: 9464, metricsHost: '10.0.0.5' } });
    expect(cors).toMatchObject({ options: { corsOrigins: ['https://a.example', 'moz-extension://x', 'https://b.example', '*'], publicHosts: ['node.example.org'] } });
    for (const bad of [['--port', 'x'], ['--port', '70000'], ['--log-level', 'loud'], ['--nope'], ['extra'], ['--headers-timeout-ms', '5000', '--request-timeout-ms', '4000'], ['--cors-origin', 'app.example'], ['--public-host', 'a.example:443'], ['--metrics-port', 'x']]) {
      let caught: unknown;
      try {
        parseCliArgs(bad);
      } catch (e) {
        caught = e;
      }
      expect(isParleyError(caught, 'Node.BadConfig'), bad.join(' ')).toBe(true);
    }
  });

  it('prints usage for --help through the bin launcher', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    expect(stdout).toMatch(/^Usage: parley-node/);
    expect(stdout).toMatch(/--data-dir/);
    expect(stdout).toMatch(/--rate-limit-write-bytes N/);
    expect(stdout).toMatch(/--welcome-retention-days N/);
  });

  it('exits 2 on a bad argument', async () => {
    const failed = await run(process.execPath, ['--import', 'tsx', CLI, '--port', 'nope']).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
  });

  it('prints exactly one listening line, stops on SIGTERM with exit 0, and keeps everything on restart', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await spawnNode(['--data-dir', dataDir, '--log-level', 'debug']);
    children.push(first);
    let client = new grpc.Client(`127.0.0.1:${first.grpcPort}`, grpc.credentials.createInsecure());
    const alice = await newIdentity();
    await call(client, 'uploadKeyPackage', { keyPackage: { keyPackageTlsSerialized: await keyPackageFor(alice.inboxId, alice.installation) }, isInboxIdCredential: true });
    await call(client, 'publishIdentityUpdate', { identityUpdate: alice.registration });
    const group = new Uint8Array(16).fill(0x11);
    await call(client, 'sendGroupMessages', { messages: [{ v1: { data: privateMessage(group, 'kept'), senderHmac: new Uint8Array(), shouldPush: true } }] });
    await call(client, 'sendWelcomeMessages', {
      messages: [{ v1: { installationKey: alice.installation.publicKey, data: new Uint8Array([1]), hpkePublicKey: new Uint8Array(32), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() } }],
    });
    client.close();
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdoutLines()).toEqual([JSON.stringify({ event: 'listening', grpcPort: first.grpcPort, webPort: first.webPort })]);
    expect(first.stderr()).toMatch(/"msg":"request","method":"SendGroupMessages","status":0/);

    const second = await spawnNode(['--data-dir', dataDir]);
    children.push(second);
    client = new grpc.Client(`127.0.0.1:${second.grpcPort}`, grpc.credentials.createInsecure());
    const ids = await call(client, 'getInboxIds', { requests: [{ identifier: alice.address, identifierKind: 1 }] });
    expect(ids.responses[0]!.inboxId).toBe(alice.inboxId);
    const kp = await call(client, 'fetchKeyPackages', { installationKeys: [alice.installation.publicKey] });
    expect(kp.keyPackages[0]!.keyPackageTlsSerialized.length).toBeGreaterThan(100);
    const msgs = await call(client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
    expect(msgs.messages.map((m) => m.v1!.data)).toEqual([privateMessage(group, 'kept')]);
    const welcomes = await call(client, 'queryWelcomeMessages', { installationKey: alice.installation.publicKey, pagingInfo: { direction: 1, limit: 10, idCursor: Long.UZERO } });
    expect(welcomes.messages).toHaveLength(1);
    client.close();
    second.process.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 60_000);

  it('refuses to start a second node on a data dir in use', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await spawnNode(['--data-dir', dataDir]);
    children.push(first);
    await expect(spawnNode(['--data-dir', dataDir])).rejects.toThrow(/exited \(1\)/);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  }, 60_000);
});
