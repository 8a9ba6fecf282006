import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension } from './browser';

/*
 * `npm run package` as a store submission uses it: both zips are made; the Firefox zip passes
 * addons-linter with no error and no warning from our own code; the Chrome zip's manifest names
 * only files the zip has and loads in Chromium.
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

let workDir: string;
let zips: { chrome: string; firefox: string };

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
    const report = JSON.parse(lint.stdout) as { errors: LintMessage[]; warnings: LintMessage[]; notices: LintMessage[] };
    expect(report.errors).toEqual([]);
    const firefoxDir = join(workDir, 'firefox');
    unpack(zips.firefox, firefoxDir);
    const ours = report.warnings.filter((w) => {
      const known = THIRD_PARTY_WARNINGS.find((t) => t.code === w.code);
      if (!known || !w.file || w.line === undefined || w.column === undefined) return true;
      const line = readFileSync(join(firefoxDir, w.file), 'utf8').split('\n')[w.line - 1] ?? '';
      return !line.slice(Math.max(0, w.column - 400), w.column + 400).includes(known.needle);
    });
    expect(ours).toEqual([]);
    for (const w of report.warnings) console.log(`[package] addons-linter warning ${w.code} in ${w.file}: ${THIRD_PARTY_WARNINGS.find((t) => t.code === w.code)?.why}`);

    const manifest = JSON.parse(readFileSync(join(firefoxDir, 'manifest.json'), 'utf8')) as {
      browser_specific_settings: { gecko: { strict_min_version: string; data_collection_permissions: { required: string[] } } };
    };
    expect(manifest.browser_specific_settings.gecko).toMatchObject({ strict_min_version: '140.0', data_collection_permissions: { required: ['personalCommunications'] } });
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
    } finally {
      await browser.close();
    }
  });
});
