import 'fake-indexeddb/auto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { init, parse } from 'es-module-lexer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExtension } from './browser';

let dir: string;
beforeAll(() => {
  dir = buildExtension();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every module the service worker loads: the loader and its static imports, transitively. */
async function workerModules(root: string, entry: string): Promise<Map<string, string>> {
  await init;
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const code = readFileSync(file, 'utf8');
    seen.set(file, code);
    const [imports] = parse(code, file);
    for (const i of imports) {
      if (i.d === -1 && i.n?.startsWith('.')) visit(join(dirname(file), i.n));
    }
  };
  visit(join(root, entry));
  return seen;
}

describe('the built service worker (dist/chrome)', () => {
  it('holds no dynamic import() in any module it loads (MV3 refuses them)', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { background: { service_worker: string } };
    const modules = await workerModules(dir, manifest.background.service_worker);
    expect(modules.size).toBeGreaterThan(1);
    const total = [...modules.values()].reduce((n, code) => n + code.length, 0);
    expect(total).toBeGreaterThan(50_000);
    for (const [file, code] of modules) {
      const [imports] = parse(code, file);
      const dynamic = imports.filter((i) => i.d > -1).map((i) => code.slice(i.ss, i.se + 40));
      expect(dynamic, file).toEqual([]);
    }
  });

  it('evaluates and registers its listeners in its first turn (no module throws at start-up)', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { background: { service_worker: string } };
    const registered: string[] = [];
    const event = (name: string) => ({ addListener: () => registered.push(name), hasListeners: () => false });
    const area = { get: async () => ({}), set: async () => undefined, remove: async () => undefined };
    const g = globalThis as Record<string, unknown>;
    g['chrome'] = {
      runtime: { id: 'test', getURL: (p: string) => `chrome-extension://test/${p}`, onConnect: event('onConnect'), onMessage: event('onMessage') },
      storage: { session: area, local: area },
      alarms: { create: async () => undefined, clear: async () => true, get: async () => undefined, onAlarm: event('onAlarm') },
      windows: { create: async () => ({}), remove: async () => undefined, onRemoved: event('onRemoved'), onFocusChanged: event('onFocusChanged') },
      tabs: { query: async () => [] },
      action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined },
      notifications: { create: async () => '', onClicked: event('notifications.onClicked') },
    };
    await import(pathToFileURL(join(dir, manifest.background.service_worker)).href);
    expect(registered).toEqual(expect.arrayContaining(['onConnect', 'onMessage', 'onAlarm', 'onRemoved']));
  });

  it('declares extension pages unframeable and script-src self only (DESIGN §5: approval pages)', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      content_security_policy: { extension_pages: string };
      web_accessible_resources?: { resources: string[] }[];
    };
    const csp = manifest.content_security_policy.extension_pages.split(';').map((d) => d.trim());
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    // No web page may load the approval page at all.
    const exposed = (manifest.web_accessible_resources ?? []).flatMap((r) => r.resources);
    expect(exposed.some((r) => r.includes('approval'))).toBe(false);
  });

  it('leaves out the primitives of ciphersuites Parley does not use (nothing computes them at wake)', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { background: { service_worker: string } };
    const code = [...(await workerModules(dir, manifest.background.service_worker)).values()].join('\n');
    // @noble/curves' ed448 module names its decaf448 group; ts-mls would reach it through import().
    expect(code).not.toContain('decaf448');
    for (const specifier of ['@noble/curves/ed448.js', '@noble/post-quantum/ml-dsa.js', '@hpke/dhkem-x448', '@hpke/ml-kem', '@hpke/hybridkem-x-wing']) {
      expect(code, specifier).toContain(`${specifier} is not bundled: Parley uses MLS ciphersuite 3 only.`);
    }
    expect(code).toContain('Mls.UnsupportedCiphersuite');
  });

  it('never evaluates strings as code (MV3 CSP forbids eval)', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { background: { service_worker: string } };
    for (const [file, code] of await workerModules(dir, manifest.background.service_worker)) {
      expect(/\bnew Function\s*\(/.test(code), file).toBe(false);
    }
  });
});
