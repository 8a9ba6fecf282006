import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { securePrivateDir } from '../../src/agent/privateDataDir';
import { checkSocketFile, removeStaleSocket } from '../../src/cli/listener/socketFile';
import { codeOf, tempDirs } from './helpers';

const dirs = tempDirs('parley-private-');
afterAll(() => dirs.cleanup());

const isRoot = process.getuid?.() === 0;

function listenOn(path: string): Promise<() => Promise<void>> {
  const server = createServer();
  return new Promise((resolve) => server.listen(path, () => resolve(() => new Promise((done) => server.close(() => done())))));
}

describe('an agent data directory kept owner-only', () => {
  it('tightens a loose directory to 0700 and its files to 0600, saying so; an owner-only one gives no warning', () => {
    const dir = join(dirs.make(), 'data');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'wallet.json'), '{}');
    chmodSync(join(dir, 'wallet.json'), 0o644);
    writeFileSync(join(dir, 'client.sqlite'), '');
    chmodSync(join(dir, 'client.sqlite'), 0o600);
    const warnings: string[] = [];
    securePrivateDir(dir, (m) => warnings.push(m));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'wallet.json')).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([expect.stringMatching(/mode 0755\); it is now 0700/), expect.stringMatching(/wallet\.json .*mode 0644\); it is now 0600/)]);

    const again: string[] = [];
    securePrivateDir(dir, (m) => again.push(m));
    expect(again).toEqual([]);
    // A directory not made yet is init's to make.
    expect(() => securePrivateDir(join(dir, 'missing'), () => undefined)).not.toThrow();
  });

  it.runIf(isRoot)('refuses a directory or a file owned by another user (Agent.Unsafe)', async () => {
    const dir = join(dirs.make(), 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 4321, 4321);
    expect(await codeOf(() => securePrivateDir(dir, () => undefined))).toBe('Agent.Unsafe');
    const mine = join(dirs.make(), 'mine');
    mkdirSync(mine, { mode: 0o700 });
    writeFileSync(join(mine, 'wallet.json'), '{}', { mode: 0o600 });
    chownSync(join(mine, 'wallet.json'), 4321, 4321);
    expect(await codeOf(() => securePrivateDir(mine, () => undefined))).toBe('Agent.Unsafe');
  });

  it('uses only an owner-only socket of ours: a socket others could open, a plain file or another user’s socket is Agent.Unsafe', async () => {
    const dir = join(dirs.make(), 'sock');
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, 'listen.sock');
    expect(checkSocketFile(path)).toBe(false);
    const close = await listenOn(path);
    try {
      chmodSync(path, 0o600);
      expect(checkSocketFile(path)).toBe(true);
      chmodSync(path, 0o666);
      expect(await codeOf(() => checkSocketFile(path))).toBe('Agent.Unsafe');
      if (isRoot) {
        chmodSync(path, 0o600);
        chownSync(path, 4321, 4321);
        expect(await codeOf(() => checkSocketFile(path))).toBe('Agent.Unsafe');
        expect(await codeOf(() => removeStaleSocket(path))).toBe('Agent.Unsafe');
      }
    } finally {
      await close();
    }
    const file = join(dir, 'other.sock');
    writeFileSync(file, '', { mode: 0o600 });
    expect(await codeOf(() => checkSocketFile(file))).toBe('Agent.Unsafe');
    expect(await codeOf(() => removeStaleSocket(file))).toBe('Agent.Unsafe');
  });
});
