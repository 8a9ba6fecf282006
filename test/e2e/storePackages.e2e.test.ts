import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension } from './browser';
import { launchDriver } from './driver';

/*
 * `npm run package` as a store submission uses it: both zips are made; the Firefox zip passes
 * addons-linter and `web-ext lint` with no error and no warning from our own code, and loads in
 * Firefox; the Chrome zip's manifest names only files the zip has and loads in Chromium.
 */

const repoRoot = join(import.meta.dirname, '..', '..');

interface LintMessage {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Warnings from bundled third-party code, each with the reason it stays: `needle` must be in the
 * flagged code (at the reported line and column) for the warning to count as that one.
 */
const THIRD_PARTY_WARNINGS: { code: string; needle: string; why: string }[] = [
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    needle: 'dangerouslySetInnerHTML',
    why: "Preact's renderer sets innerHTML only for dangerouslySetInnerHTML, which no Parley component uses",
  },
];

/**
 * Runs in an extension context: which of the promise-style `chrome.*` calls Parley awaits return
 * a promise there (the webextension-polyfill question, docs/design.md §9). What they change is
 * undone: the probe's session value, alarm and window go again.
 */
async function promiseReturningCalls(): Promise<Record<string, boolean>> {
  const c = chrome;
  const calls: [string, () => unknown][] = [
    ['runtime.sendMessage', () => c.runtime.sendMessage({ kind: 'parley-promise-probe' })],
    ['storage.session.set', () => c.storage.session.set({ 'parley-promise-probe': 1 })],
    ['storage.session.get', () => c.storage.session.get('parley-promise-probe')],
    ['storage.session.remove', () => c.storage.session.remove('parley-promise-probe')],
    ['alarms.create', () => c.alarms.create('parley-promise-probe', { when: Date.now() + 3_600_000 })],
    ['alarms.clear', () => c.alarms.clear('parley-promise-probe')],
    ['windows.getLastFocused', () => c.windows.getLastFocused()],
    ['action.setBadgeText', () => c.action.setBadgeText({ text: '' })],
    ['action.setBadgeBackgroundColor', () => c.action.setBadgeBackgroundColor({ color: '#4f46e5' })],
    [
      'notifications.create',
      () => c.notifications.create('parley-promise-probe', { type: 'basic', iconUrl: c.runtime.getURL('icons/icon-128.png'), title: 'Parley', message: 'probe' }),
    ],
  ];
  const thenable = (value: unknown): boolean => typeof (value as { then?: unknown } | undefined)?.then === 'function';
  const returned: Record<string, boolean> = {};
  for (const [name, call] of calls) {
    const result = call();
    returned[name] = thenable(result);
    await Promise.resolve(result).catch(() => undefined);
  }
  const created = c.windows.create({ url: c.runtime.getURL('icons/icon-16.png'), type: 'popup' });
  returned['windows.create'] = thenable(created);
  const win = await Promise.resolve(created).catch(() => undefined);
  const removed = win?.id === undefined ? undefined : c.windows.remove(win.id);
  returned['windows.remove'] = thenable(removed);
  await Promise.resolve(removed).catch(() => undefined);
  return returned;
}

const ALL_PROMISES = {
  'runtime.sendMessage': true,
  'storage.session.set': true,
  'storage.session.get': true,
  'storage.session.remove': true,
  'alarms.create': true,
  'alarms.clear': true,
  'windows.getLastFocused': true,
  'action.setBadgeText': true,
  'action.setBadgeBackgroundColor': true,
  'notifications.create': true,
  'windows.create': true,
  'windows.remove': true,
};

let workDir: string;
let zips: { chrome: string; firefox: string };

interface LintReport {
  errors: LintMessage[];
  warnings: LintMessage[];
  notices: LintMessage[];
}

let unpackedFirefox: string | undefined;
/** The Firefox zip unpacked once, for the linters' findings and for loading. */
function firefoxDir(): string {
  if (!unpackedFirefox) {
    unpackedFirefox = join(workDir, 'firefox');
    unpack(zips.firefox, unpackedFirefox);
  }
  return unpackedFirefox;
}

/** The warnings that are not a known one from bundled third-party code (logged with why). */
function warningsFromOurCode(report: LintReport): LintMessage[] {
  const ours = report.warnings.filter((w) => {
    const known = THIRD_PARTY_WARNINGS.find((t) => t.code === w.code);
    if (!known || !w.file || w.line === undefined || w.column === undefined) return true;
    const line = readFileSync(join(firefoxDir(), w.file), 'utf8').split('\n')[w.line - 1] ?? '';
    return !line.slice(Math.max(0, w.column - 400), w.column + 400).includes(known.needle);
  });
  for (const w of report.warnings) console.log(`[package] lint warning ${w.code} in ${w.file}: ${THIRD_PARTY_WARNINGS.find((t) => t.code === w.code)?.why}`);
  return ours;
}

function unpack(zip: string, into: string): string[] {
  const entries = unzipSync(readFileSync(zip));
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(into, name)), { recursive: true });
    writeFileSync(join(into, name), data);
  }
  return Object.keys(entries);
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'parley-package-'));
  // Under the build lock other e2e files take, and copied out before the lock is released.
  const result = spawnSync('flock', [join(repoRoot, '.cache', 'e2e-build.lock'), 'sh', '-c', `npm run package && cp dist/parley-*.zip '${workDir}'`], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  if (result.status !== 0) throw new Error(`npm run package failed:\n${result.stdout}\n${result.stderr}`);
  const made = readdirSync(workDir);
  const find = (browser: string) => made.find((f) => f.startsWith(`parley-${browser}-`) && f.endsWith('.zip'));
  expect(find('chrome'), made.join(', ')).toBeDefined();
  expect(find('firefox'), made.join(', ')).toBeDefined();
  zips = { chrome: join(workDir, find('chrome')!), firefox: join(workDir, find('firefox')!) };
}, 300_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the store packages', { timeout: 120_000 }, () => {
  it('the Firefox zip passes addons-linter: no errors, no warnings from Parley\'s own code', () => {
    const lint = spawnSync(join(repoRoot, 'node_modules', '.bin', 'addons-linter'), ['--output', 'json', zips.firefox], { encoding: 'utf8', timeout: 120_000 });
    const report = JSON.parse(lint.stdout) as LintReport;
    expect(report.errors).toEqual([]);
    expect(warningsFromOurCode(report)).toEqual([]);

    const manifest = JSON.parse(readFileSync(join(firefoxDir(), 'manifest.json'), 'utf8')) as {
      browser_specific_settings: { gecko: { strict_min_version: string; data_collection_permissions: { required: string[] } } };
    };
    expect(manifest.browser_specific_settings.gecko).toMatchObject({ strict_min_version: '140.0', data_collection_permissions: { required: ['personalCommunications'] } });
  });

  it('the unpacked Firefox zip passes `web-ext lint`: no errors, no warnings from Parley\'s own code', () => {
    const lint = spawnSync(join(repoRoot, 'node_modules', '.bin', 'web-ext'), ['lint', '--source-dir', firefoxDir(), '--output', 'json', '--no-config-discovery'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(lint.status, lint.stderr).toBe(0);
    const report = JSON.parse(lint.stdout) as LintReport;
    expect(report.errors).toEqual([]);
    expect(warningsFromOurCode(report)).toEqual([]);
  });

  it('the unpacked Firefox zip loads in Firefox', async () => {
    const version = (JSON.parse(readFileSync(join(firefoxDir(), 'manifest.json'), 'utf8')) as { version: string }).version;
    const firefox = await launchDriver('firefox', firefoxDir());
    try {
      const page = await firefox.openExtensionPage('src/popup/index.html');
      expect(await page.evaluate(() => chrome.runtime.getManifest().version, undefined)).toBe(version);
      // Firefox's MV3 `chrome.*` returns promises, as `browser.*` does: no polyfill needed.
      expect(await page.evaluate(promiseReturningCalls, undefined)).toEqual(ALL_PROMISES);
    } finally {
      await firefox.close();
    }
  });

  it('the Chrome zip\'s manifest names only files the zip has, and the unpacked zip loads in Chromium', async () => {
    const chromeDir = join(workDir, 'chrome');
    const files = new Set(unpack(zips.chrome, chromeDir));
    const manifest = JSON.parse(readFileSync(join(chromeDir, 'manifest.json'), 'utf8')) as {
      manifest_version: number;
      version: string;
      minimum_chrome_version: string;
      background: { service_worker: string };
      action: { default_popup: string; default_icon: Record<string, string> };
      icons: Record<string, string>;
      content_scripts: { js: string[] }[];
    };
    expect(manifest).toMatchObject({ manifest_version: 3, minimum_chrome_version: '111' });
    const named = [
      manifest.background.service_worker,
      manifest.action.default_popup,
      ...Object.values(manifest.icons),
      ...Object.values(manifest.action.default_icon),
      ...manifest.content_scripts.flatMap((c) => c.js),
    ];
    expect(named.filter((f) => !files.has(f))).toEqual([]);

    const browser = await launchWithExtension(chromeDir);
    try {
      expect(await browser.worker.evaluate(() => chrome.runtime.getManifest().version)).toBe(manifest.version);
      expect(await browser.worker.evaluate(promiseReturningCalls)).toEqual(ALL_PROMISES);
    } finally {
      await browser.close();
    }
  });
});
