import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyNode } from './parleyNode';
import { repoRoot } from './testEnv';

// ParleyNode against a stand-in CLI with the node's process contract, so the helper is
// known to work before and whatever the real node does.
const standIn = join(repoRoot, 'test/interop/standInNodeCli.ts');

describe('ParleyNode: parley-node as a child process', () => {
  const nodes: ParleyNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  it('starts on free loopback ports and reports them from the listening line', async () => {
    const node = await ParleyNode.start({ cliPath: standIn, logLevel: 'info' });
    nodes.push(node);
    expect(node.grpcPort).toBeGreaterThan(0);
    expect(node.webPort).toBeGreaterThan(0);
    expect(node.grpcPort).not.toBe(node.webPort);
    expect(node.apiUrl).toBe(`http://127.0.0.1:${node.grpcPort}`);
    expect(node.log.join('\n')).toContain('stand-in: start 1 with log level info');
  });

  it('restarts after SIGKILL on the same data and the same ports', async () => {
    const node = await ParleyNode.start({ cliPath: standIn });
    nodes.push(node);
    const { grpcPort, webPort } = node;
    await node.kill('SIGKILL');
    expect(node.running).toBe(false);
    expect(node.log.join('\n')).toContain('--- parley-node killed by SIGKILL');

    await node.restart();
    expect(node.running).toBe(true);
    expect([node.grpcPort, node.webPort]).toEqual([grpcPort, webPort]);
    const starts = (await readFile(join(node.dataDir, 'starts.log'), 'utf8')).trim().split('\n');
    expect(starts).toHaveLength(2);
  });

  it('stops with SIGTERM and removes the temporary data dir it made', async () => {
    const node = await ParleyNode.start({ cliPath: standIn });
    await node.stop();
    expect(node.running).toBe(false);
    expect(node.log.join('\n')).toContain('stand-in: SIGTERM, closing');
    expect(existsSync(node.dataDir)).toBe(false);
  });

  it('fails with the node log when the node exits before listening', async () => {
    const start = ParleyNode.start({ cliPath: standIn, extraArgs: ['--exit-at-start'] });
    await expect(start).rejects.toThrow(/exited with code 3[\s\S]*refusing to start, as asked/);
  });

  it('says so when the node CLI does not exist', async () => {
    await expect(ParleyNode.start({ cliPath: join(repoRoot, 'no/such/cli.ts') })).rejects.toThrow(/does not exist/);
  });
});
