import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { isAbsolute } from 'node:path';
import { crx } from '@crxjs/vite-plugin';
import type { ManifestV3Export } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { init, parse } from 'es-module-lexer';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import manifest from './manifest.json' with { type: 'json' };

/*
 * `vite build` writes the Chromium build to dist/chrome; `vite build --mode firefox` writes
 * dist/firefox (background scripts instead of a service worker, and a gecko id).
 */

const FIREFOX_ID = 'parley@parley.dev';

function firefoxManifest(): ManifestV3Export {
  const { background, ...rest } = manifest;
  return {
    ...rest,
    background: { scripts: [background.service_worker], type: background.type },
    // MAIN-world content scripts arrived in Firefox 128 (the ESR Debian ships).
    browser_specific_settings: { gecko: { id: FIREFOX_ID, strict_min_version: '128.0' } },
  } as unknown as ManifestV3Export;
}

/**
 * MV3 service workers refuse `import()` (DESIGN §7), and viem and ts-mls use it for optional
 * pieces. Each `import("x")` that resolves becomes a static import of x (so it is bundled and
 * evaluated at start-up); one that cannot work in a worker (a Node builtin, a missing
 * optional peer, a computed specifier) becomes a rejected promise, which is what the library
 * would see if x were absent.
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
        manifest: firefox ? firefoxManifest() : (manifest as unknown as ManifestV3Export),
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
