/**
 * Zips dist/chrome and dist/firefox for store submission (run `npm run build` first; `npm run
 * package` does both): dist/parley-chrome-<version>.zip and dist/parley-firefox-<version>.zip,
 * files at the archive root, in a stable order with fixed timestamps so that the same build
 * gives the same archive.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync } from 'fflate';
import type { Zippable } from 'fflate';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const version = (JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { version: string }).version;
// 1980-01-01, the earliest time a zip entry can carry.
const mtime = new Date(1980, 0, 1);

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

for (const browser of ['chrome', 'firefox'] as const) {
  const dir = join(dist, browser);
  const files = filesUnder(dir);
  if (!files.some((f) => f.endsWith(`${sep}manifest.json`))) throw new Error(`${dir} has no manifest.json: run npm run build first`);
  const entries: Zippable = {};
  for (const file of files) entries[relative(dir, file).split(sep).join('/')] = [readFileSync(file), { mtime }];
  // manifest.json's `key` pins the unpacked development id (src/node/transport/cors.ts); a store
  // assigns its own id to what it publishes.
  const manifestEntry = entries['manifest.json'] as [Uint8Array, unknown];
  const { key: _devKey, ...storeManifest } = JSON.parse(Buffer.from(manifestEntry[0]).toString('utf8')) as Record<string, unknown>;
  entries['manifest.json'] = [Buffer.from(`${JSON.stringify(storeManifest, null, 2)}\n`), { mtime }];
  const out = join(dist, `parley-${browser}-${version}.zip`);
  writeFileSync(out, zipSync(entries, { level: 9 }));
  console.log(`${relative(root, out)}: ${files.length} files, ${statSync(out).size} bytes`);
}
