import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../src/core/client';
import type { ParleyNode } from './parleyNode';
import type { Peer } from './peer';
import { repoRoot } from './testEnv';

/** What an interop story runs: a node, node-sdk members, a Parley client, a scratch folder. */
export interface InteropScene {
  node: ParleyNode | undefined;
  peers: readonly { name: string; peer: Peer }[];
  alice: Client | undefined;
  workDir: string | undefined;
}

/** The last lines of every side, for a wait that gave up. */
export function describeScene({ node, peers, alice }: InteropScene): string {
  const parts = peers.map((m) => `--- ${m.name} log (tail) ---\n${m.peer.logTail(30)}`);
  return `${parts.join('\n')}\nalice (Parley) errors: ${alice?.errors.map(String).join('\n') || 'none'}\n--- parley-node log (tail) ---\n${node?.logTail(40) ?? ''}`;
}

/** Keeps the node's and the peers' logs under test-results/interop/<name>, then stops everything. */
export async function saveLogsAndStop(name: string, { node, peers, alice, workDir }: InteropScene): Promise<void> {
  const logDir = join(repoRoot, 'test-results/interop', name);
  await mkdir(logDir, { recursive: true });
  if (node) await writeFile(join(logDir, 'parley-node.log'), `${node.log.join('\n')}\n`);
  for (const m of peers) await writeFile(join(logDir, `${m.name}.log`), `${m.peer.log.join('\n')}\n`);
  alice?.close();
  await Promise.all(peers.map((m) => m.peer.kill()));
  if (node) await node.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}
