import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, initAgent } from '../../src/agent/agentClient';
import { inboxIdFor } from '../../src/core/identity/inboxId';
import { silentLogger } from '../../src/node/log';
import { startNode, type RunningNode } from '../../src/node/node';
import { codeOf, FAST_SCRYPT, tempDirs } from './helpers';

const dirs = tempDirs('parley-agent-');

describe('agent data directory', () => {
  let node: RunningNode;
  let apiUrl: string;

  beforeAll(async () => {
    node = await startNode({ host: '127.0.0.1', port: 0, webPort: 0, dataDir: dirs.make(), logger: silentLogger, rateLimits: { writes: 0, reads: 0, windowMs: 300_000 }, shutdownGraceMs: 500 });
    apiUrl = `http://127.0.0.1:${node.webPort}`;
  });
  afterAll(async () => {
    await node?.close();
    dirs.cleanup();
  });

  it('initAgent registers an inbox; createAgentClient reopens the same installation from the encrypted store', async () => {
    const dataDir = join(dirs.make(), 'agent');
    const created = await initAgent({ dataDir, apiUrl, passphrase: 'pw', scrypt: FAST_SCRYPT });
    const { inboxId, installationId } = created.client;
    expect(inboxId).toBe(inboxIdFor(created.address));
    expect(created.store.encrypted).toBe(true);
    await created.close();

    const reopened = await createAgentClient({ dataDir, apiUrl, passphrase: 'pw' });
    expect([reopened.address, reopened.client.inboxId, reopened.client.installationId]).toEqual([created.address, inboxId, installationId]);
    // One process per data directory: a second opener is refused while this one runs.
    expect(await codeOf(() => createAgentClient({ dataDir, apiUrl, passphrase: 'pw' }))).toBe('Agent.StoreBusy');
    await reopened.close();

    expect(await codeOf(() => initAgent({ dataDir, apiUrl, passphrase: 'pw' }))).toBe('Agent.AlreadyInitialized');
    expect(await codeOf(() => createAgentClient({ dataDir, apiUrl }))).toBe('Agent.KeyRequired');
  });

  it('passes keyRotation to its client: with maxMessages 1 the second message to a DM comes after a self-update', async () => {
    const agent = await initAgent({ dataDir: dirs.make(), apiUrl, insecureStore: true, onWarning: () => {}, keyRotation: { maxMessages: 1 } });
    const peer = await initAgent({ dataDir: dirs.make(), apiUrl, insecureStore: true, onWarning: () => {} });
    const dm = await agent.client.conversations.createDm(peer.address);
    expect(dm.epoch).toBe(1n);
    await dm.sendText('one');
    expect(dm.epoch).toBe(1n);
    await dm.sendText('two');
    expect(dm.epoch).toBe(2n);
    await agent.close();
    await peer.close();
  });

  it('makes a clear agent only when asked to (insecureStore), and warns whenever it opens one', async () => {
    const dataDir = join(dirs.make(), 'clear');
    expect(await codeOf(() => initAgent({ dataDir, apiUrl }))).toBe('Agent.KeyRequired');
    const warnings: string[] = [];
    const agent = await initAgent({ dataDir, apiUrl, insecureStore: true, onWarning: (m) => warnings.push(m) });
    expect(agent.store.encrypted).toBe(false);
    await agent.close();
    const reopened = await createAgentClient({ dataDir, apiUrl, onWarning: (m) => warnings.push(m) });
    await reopened.close();
    expect(warnings).toEqual([expect.stringMatching(/stored in clear/), expect.stringMatching(/stored in clear/)]);
  });
});
