import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/node/args';
import { isParleyError } from '../../src/core/errors';
import { spawnNode, type ChildNode } from './childNode';
import { tempDir } from './helpers';
import { fingerprintOf, makeTestCa, servedFingerprint, type TestCa } from './transport/testCertificates';

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('parley-node CLI: --tls-cert / --tls-key', () => {
  let dir: string;
  let ca: TestCa;
  const children: ChildNode[] = [];

  beforeAll(() => {
    dir = tempDir('parley-cli-tls-');
    ca = makeTestCa(dir);
  });
  afterAll(() => {
    for (const c of children) c.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the pair from flags or from PARLEY_TLS_CERT / PARLEY_TLS_KEY, and only both together', () => {
    expect(parseCliArgs(['--tls-cert', '/c.pem', '--tls-key', '/k.pem'])).toMatchObject({ options: { tlsCert: '/c.pem', tlsKey: '/k.pem' } });
    expect(parseCliArgs([], { PARLEY_TLS_CERT: '/e.pem', PARLEY_TLS_KEY: '/e.key' })).toMatchObject({ options: { tlsCert: '/e.pem', tlsKey: '/e.key' } });
    // A flag wins over its variable.
    expect(parseCliArgs(['--tls-cert', '/c.pem'], { PARLEY_TLS_CERT: '/e.pem', PARLEY_TLS_KEY: '/e.key' })).toMatchObject({ options: { tlsCert: '/c.pem', tlsKey: '/e.key' } });
    const plain = parseCliArgs([], { PARLEY_TLS_CERT: '', PARLEY_TLS_KEY: ' ' });
    expect(plain).toMatchObject({ help: false });
    expect(plain.help === false && 'tlsCert' in plain.options).toBe(false);
    for (const [argv, env] of [[['--tls-cert', '/c.pem'], {}], [[], { PARLEY_TLS_KEY: '/k.pem' }]] as const) {
      let caught: unknown;
      try {
        parseCliArgs(argv, env);
      } catch (e) {
        caught = e;
      }
      expect(isParleyError(caught, 'Node.BadConfig'), JSON.stringify({ argv, env })).toBe(true);
    }
  });

  it('exits 1 naming the file when the certificate cannot be read', async () => {
    const pair = ca.issue('cli-missing');
    const start = spawnNode(['--data-dir', join(dir, 'missing-data'), '--tls-cert', join(dir, 'absent.pem'), '--tls-key', pair.keyFile]);
    await expect(start).rejects.toThrow(/exited \(1\)[\s\S]*Node\.TlsUnreadable[\s\S]*absent\.pem: ENOENT/);
  });

  it('serves TLS, reloads the pair on SIGHUP, and keeps the old pair when the new one is bad', { timeout: 60_000 }, async () => {
    const first = ca.issue('cli-first');
    const second = ca.issue('cli-second');
    const served = { certFile: join(dir, 'cli-served.pem'), keyFile: join(dir, 'cli-served.key') };
    copyFileSync(first.certFile, served.certFile);
    copyFileSync(first.keyFile, served.keyFile);
    const node = await spawnNode(['--data-dir', join(dir, 'data'), '--tls-cert', served.certFile, '--tls-key', served.keyFile]);
    children.push(node);
    expect(JSON.parse(node.stdoutLines()[0] ?? '{}')).toMatchObject({ event: 'listening', tls: true });
    expect(await servedFingerprint(node.grpcPort, ca.ca, ['h2'])).toBe(fingerprintOf(first.certFile));

    copyFileSync(second.certFile, served.certFile);
    copyFileSync(second.keyFile, served.keyFile);
    node.process.kill('SIGHUP');
    await until('the reload log line', () => node.stderr().includes('"msg":"tls reloaded"'));
    expect(await servedFingerprint(node.grpcPort, ca.ca, ['h2'])).toBe(fingerprintOf(second.certFile));
    expect(await servedFingerprint(node.webPort, ca.ca, ['http/1.1'])).toBe(fingerprintOf(second.certFile));

    rmSync(served.keyFile);
    node.process.kill('SIGHUP');
    await until('the failed-reload log line', () => node.stderr().includes('tls reload failed'));
    expect(node.stderr()).toMatch(/Node\.TlsUnreadable/);
    expect(await servedFingerprint(node.webPort, ca.ca, ['http/1.1'])).toBe(fingerprintOf(second.certFile));

    node.process.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });
});
