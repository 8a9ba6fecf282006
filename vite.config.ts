import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crx } from '@crxjs/vite-plugin';
import type { ManifestV3Export } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { init, parse } from 'es-module-lexer';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import manifest from './manifest.json' with { type: 'json' };
import { firefoxManifest } from './firefoxManifest';

/*
 * `vite build` writes the Chromium build to dist/chrome; `vite build --mode firefox` writes
 * dist/firefox (background scripts instead of a service worker, and a gecko id).
 */


/**
 * ts-mls loads each ciphersuite's primitives with `import()`. Parley speaks only suite 3
 * (X25519, ChaCha20-Poly1305, Ed25519; DESIGN §3), and hoisting the others would make every
 * wake evaluate them: @noble/curves' ed448 alone computes its decaf448 base point at import
 * (28–42 ms of a wake in bench:e2e). So these never enter the bundle; asking for one rejects
 * with Mls.UnsupportedCiphersuite. (P-384/P-521 share nist.js with P-256, which passkey
 * signatures import statically, so they stay.)
 */
export const UNUSED_SUITE_MODULES: readonly string[] = [
  '@noble/curves/ed448.js',
  '@noble/post-quantum/ml-dsa.js',
  '@hpke/dhkem-x448',
  '@hpke/ml-kem',
  '@hpke/hybridkem-x-wing',
];

const ERRORS_MODULE = fileURLToPath(new URL('./src/core/errors.ts', import.meta.url));

/**
 * MV3 service workers refuse `import()` (DESIGN §7), and viem and ts-mls use it for optional
 * pieces. Each `import("x")` that resolves becomes a static import of x (so it is bundled and
 * evaluated at start-up); one that cannot work in a worker (a Node builtin, a missing
 * optional peer, a computed specifier) becomes a rejected promise, which is what the library
 * would see if x were absent; one of UNUSED_SUITE_MODULES becomes a rejected ParleyError.
 */
function staticDynamicImports(): Plugin {
  return {
    name: 'parley:static-dynamic-imports',
    enforce: 'post',
    async transform(code, id) {
      if (!code.includes('import(') || id.startsWith('\0')) return null;
      await init;
      let imports;
      try {
        [imports] = parse(code, id);
      } catch {
        return null;
      }
      const dynamic = imports.filter((i) => i.d > -1);
      if (dynamic.length === 0) return null;
      const hoisted: string[] = [];
      let out = code;
      // From the end, so earlier offsets stay valid.
      for (const [n, i] of [...dynamic].reverse().entries()) {
        const end = code.indexOf(')', i.se - 1) + 1;
        const specifier = i.n;
        let replacement: string;
        if (specifier && UNUSED_SUITE_MODULES.includes(specifier)) {
          if (!hoisted.some((line) => line.includes('__parley_ParleyError'))) {
            hoisted.push(`import { ParleyError as __parley_ParleyError } from ${JSON.stringify(ERRORS_MODULE)};`);
          }
          const message = JSON.stringify(`${specifier} is not bundled: Parley uses MLS ciphersuite 3 only.`);
          replacement = `Promise.reject(new __parley_ParleyError("Mls.UnsupportedCiphersuite", ${message}))`;
          out = out.slice(0, i.ss) + replacement + out.slice(end);
          continue;
        }
        const resolved = specifier && !isBuiltin(specifier) ? await this.resolve(specifier, id) : null;
        // Vite resolves a missing optional peer to a virtual module that throws when evaluated:
        // hoisted, it would stop the worker at start-up. Only a real file is bundled.
        const path = resolved && !resolved.external ? resolved.id.split('?')[0]! : '';
        if (specifier && isAbsolute(path) && existsSync(path)) {
          const name = `__parley_dynamic_${n}`;
          hoisted.push(`import * as ${name} from ${JSON.stringify(specifier)};`);
          replacement = `Promise.resolve(${name})`;
        } else {
          replacement = `Promise.reject(new Error(${JSON.stringify(`not bundled: ${specifier ?? 'a computed import'}`)}))`;
        }
        out = out.slice(0, i.ss) + replacement + out.slice(end);
      }
      return { code: hoisted.join('\n') + '\n' + out, map: null };
    },
  };
}

export default defineConfig(({ mode }) => {
  const firefox = mode === 'firefox';
  return {
    plugins: [
      preact(),
      crx({
        manifest: (firefox ? firefoxManifest(manifest) : manifest) as unknown as ManifestV3Export,
        browser: firefox ? 'firefox' : 'chrome',
        // A classic script like the provider: the relay listens before the page's first request.
        contentScripts: { standaloneFiles: ['src/content/main.ts'] },
      }),
      staticDynamicImports(),
    ],
    build: {
      outDir: firefox ? 'dist/firefox' : 'dist/chrome',
      emptyOutDir: true,
      target: 'es2022',
      // Extension pages load from disk: no preload polyfill, no source maps to ship.
      modulePreload: false,
      sourcemap: false,
      rollupOptions: {
        input: { approval: 'src/popup/approval.html', onboarding: 'src/popup/onboarding.html' },
      },
    },
  };
});
