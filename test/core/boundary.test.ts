import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const core = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/core');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier in `import … from '…'`, `export … from '…'` and `import('…')`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) found.push(m[1]!);
  return found;
}

describe('src/core boundary', () => {
  const files = sourceFiles(core);

  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('imports nothing of ours from outside src/core, and no Node builtins', () => {
    const escapes: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const where = `${relative(core, file)}: ${spec}`;
        if (spec.startsWith('node:')) escapes.push(where);
        else if (spec.startsWith('.') && relative(core, resolve(dirname(file), spec)).startsWith('..')) escapes.push(where);
      }
    }
    expect(escapes).toEqual([]);
  });
});
