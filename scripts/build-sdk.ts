/**
 * Builds the dApp SDK (src/sdk) as the npm package @parley/sdk in dist/sdk: one ESM bundle
 * (index.js, its source map; the few core modules it uses are bundled in, so it has no
 * dependencies), one bundled declaration file (index.d.ts, so that every moduleResolution a
 * dApp uses finds the types), and the package's own package.json, README.md and LICENSE.
 * src/sdk/package.json points at the sources, so that the repository's own imports of src/sdk
 * (the demo, the tests) resolve as before; the published manifest points at the built files.
 * `npm run pack:sdk` then makes dist/parley-sdk-<version>.tgz with `npm pack`.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'vite';

const root = join(import.meta.dirname, '..');
const source = join(root, 'src/sdk');
const out = join(root, 'dist/sdk');

await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    lib: { entry: join(source, 'index.ts'), formats: ['es'], fileName: () => 'index.js' },
    outDir: out,
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    target: 'es2022',
  },
});

const [types] = generateDtsBundle([{ filePath: join(source, 'index.ts'), output: { noBanner: true, exportReferencedTypes: false } }], {
  preferredConfigPath: join(root, 'tsconfig.json'),
});
if (types === undefined) throw new Error('no declarations were generated for src/sdk/index.ts');
// The bundle must stand alone: a dApp installs no other package with it.
const outside = [...types.matchAll(/from ["']([^"'.][^"']*)["']/g)].map((m) => m[1]);
if (outside.length > 0) throw new Error(`index.d.ts imports other packages: ${outside.join(', ')}`);
writeFileSync(join(out, 'index.d.ts'), types);

const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<string, unknown> & { name: string; version: string };
const published = {
  ...manifest,
  exports: { '.': { types: './index.d.ts', import: './index.js' }, './package.json': './package.json' },
  main: './index.js',
  module: './index.js',
  types: './index.d.ts',
  files: ['index.js', 'index.js.map', 'index.d.ts', 'README.md', 'LICENSE'],
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
copyFileSync(join(source, 'README.md'), join(out, 'README.md'));
copyFileSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
const { name, version } = manifest;
console.log(`${name} ${version} → ${relative(root, out)}`);
