import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifacts } from '../../scripts/build-contracts';
import { repoRoot } from '../interop/testEnv';

describe('committed contract artifacts', () => {
  it('are exactly what the Solidity sources compile to (run npm run build:contracts after editing contracts/)', () => {
    const stale: string[] = [];
    for (const [path, text] of buildArtifacts()) {
      let committed = '';
      try { committed = readFileSync(join(repoRoot, path), 'utf8'); } catch { /* missing counts as stale */ }
      if (committed !== text) stale.push(path);
    }
    expect(stale).toEqual([]);
  }, 60_000);
});
