import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteClientStore } from '../../src/agent/sqliteClientStore';
import { tempDirs } from './helpers';

const WRITER = new URL('./fixtures/crashingWriter.ts', import.meta.url).pathname;
const KEY_HEX = '11'.repeat(32);
const LARGE = 4000; // × 4 KiB: far more than SQLite's 2 MiB page cache, so the transaction spills into the WAL

const dirs = tempDirs('parley-crash-');
afterAll(() => dirs.cleanup());

interface Outcome {
  /** The WAL had grown by uncommitted pages of the large batch and the writer had not reported it done. */
  killedMidBatch: boolean;
  largeCommitted: boolean;
}

/** Runs the writer and SIGKILLs it once the large batch is being written into the WAL. */
function runAndKill(path: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, KEY_HEX, String(LARGE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines: string[] = [];
    let poll: NodeJS.Timeout | undefined;
    let killedMidBatch = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line !== 'large begins') return;
      const wal = `${path}-wal`;
      const baseline = existsSync(wal) ? statSync(wal).size : 0;
      poll = setInterval(() => {
        const size = existsSync(wal) ? statSync(wal).size : 0;
        if (size > baseline + 1024 * 1024 && !lines.includes('large committed')) {
          killedMidBatch = true;
          child.kill('SIGKILL');
          clearInterval(poll);
        }
      }, 2);
    });
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`writer failed (${code ?? signal}):\n${stderr}`));
      else resolve({ killedMidBatch, largeCommitted: lines.includes('large committed') });
    });
  });
}

describe('SqliteClientStore crash safety', () => {
  it('a writer killed with SIGKILL in the middle of a batch leaves all of it or none, and every batch it finished', async () => {
    let midBatchKills = 0;
    for (let attempt = 0; attempt < 4 && midBatchKills < 2; attempt++) {
      const path = join(dirs.make(), 'client.sqlite');
      const outcome = await runAndKill(path);
      if (outcome.killedMidBatch) midBatchKills++;

      const store = await openSqliteClientStore({ path, key: Uint8Array.from(Buffer.from(KEY_HEX, 'hex')) });
      // The batch acknowledged before the kill is all there.
      expect((await store.listMessages('small')).length).toBe(20);
      expect(await store.getCursor('small')).toBe(20n);
      // The interrupted batch: every record or none, its first and last operations included.
      const large = (await store.listMessages('large')).length;
      const start = await store.getCursor('large-start');
      const end = await store.getCursor('large-end');
      if (outcome.largeCommitted || large > 0) {
        expect([large, start, end]).toEqual([LARGE, 1n, BigInt(LARGE)]);
      } else {
        expect([large, start, end]).toEqual([0, undefined, undefined]);
      }
      await store.close();
    }
    // The scenario really happened: the kill landed while the batch's pages were being written.
    expect(midBatchKills).toBeGreaterThan(0);
  }, 180_000);
});
