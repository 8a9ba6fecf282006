import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../interop/testEnv';

// The setup scripts serialise concurrent runs with flock on fd 9. A daemon they start (the
// PostgreSQL cluster, a service an apt package starts) must not inherit that fd, or it holds
// the lock for its whole life and the next run waits on it: that hung CI for 30 minutes.
// globalSetup has run the scripts before this file, so each lock must be free now.
describe('test setup scripts', () => {
  for (const name of ['setup-postgres', 'setup-interop', 'setup-browsers']) {
    it(`leave ${name}.lock free once they are done`, () => {
      const lock = join(repoRoot, '.cache', `${name}.lock`);
      expect(existsSync(lock)).toBe(true);
      const probe = spawnSync('flock', ['--nonblock', lock, 'true'], { encoding: 'utf8' });
      expect(probe.status, `${lock} is still held: ${probe.stderr}`).toBe(0);
    });
  }
});
