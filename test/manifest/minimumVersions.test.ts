import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import bcd from '@mdn/browser-compat-data' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { firefoxManifest } from '../../firefoxManifest';
import manifest from '../../manifest.json' with { type: 'json' };

/*
 * The manifests' version floors (minimum_chrome_version; gecko strict_min_version) are the
 * newest first version, in MDN's browser-compat-data, of anything the extension relies on: the
 * extension APIs the code calls and the manifest keys it sets.
 */

type Browser = 'chrome' | 'firefox' | 'firefox_android';
interface Compat {
  __compat?: { support: Partial<Record<Browser, SupportStatement | SupportStatement[]>> };
  [key: string]: unknown;
}
interface SupportStatement {
  version_added: string | boolean | null;
  flags?: unknown;
  prefix?: string;
  alternative_name?: string;
}

const webext = (bcd as unknown as { webextensions: Compat }).webextensions;

function compatAt(path: string): Compat | undefined {
  let node: unknown = webext;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as Compat | undefined)?.__compat ? (node as Compat) : undefined;
}

/** The first version shipping `path` unflagged under its own name; undefined if none does. */
function firstVersion(path: string, browser: Browser): number | undefined {
  const support = compatAt(path)?.__compat?.support[browser];
  const statements = Array.isArray(support) ? support : support ? [support] : [];
  const plain = statements.find((s) => !s.flags && !s.prefix && !s.alternative_name);
  if (!plain || typeof plain.version_added !== 'string') return undefined;
  const version = Number.parseFloat(plain.version_added.replace('≤', ''));
  return Number.isFinite(version) ? version : undefined;
}

/**
 * Every extension API the shipped code touches, as browser-compat-data paths. `detected` ones
 * are feature-tested where they are used (uiInboxActivity.ts skips a missing surface), so they
 * do not raise the floor.
 */
const USED_APIS: { path: string; detected?: true }[] = [
  { path: 'api.runtime.id' },
  { path: 'api.runtime.getURL' },
  { path: 'api.runtime.connect' },
  { path: 'api.runtime.sendMessage' },
  { path: 'api.runtime.onConnect' },
  { path: 'api.runtime.onMessage' },
  { path: 'api.runtime.Port' },
  // portHub.ts reads sender.origin and falls back to new URL(sender.url).origin.
  { path: 'api.runtime.MessageSender.origin', detected: true },
  { path: 'api.runtime.MessageSender.url' },
  { path: 'api.runtime.MessageSender.tab' },
  { path: 'api.runtime.MessageSender.id' },
  { path: 'api.runtime.getContexts', detected: true },
  { path: 'api.storage.session' },
  { path: 'api.storage.StorageArea.get' },
  { path: 'api.storage.StorageArea.set' },
  { path: 'api.storage.StorageArea.remove' },
  { path: 'api.alarms.create' },
  { path: 'api.alarms.clear' },
  { path: 'api.alarms.onAlarm' },
  { path: 'api.windows.create' },
  { path: 'api.windows.remove' },
  { path: 'api.windows.onRemoved' },
  { path: 'api.windows.getLastFocused', detected: true },
  { path: 'api.action.setBadgeText', detected: true },
  { path: 'api.action.setBadgeBackgroundColor', detected: true },
  { path: 'api.notifications.create', detected: true },
  // notificationClicks.ts: listened to only where notifications exist; openPopup is tried, a tab otherwise.
  { path: 'api.notifications.onClicked', detected: true },
  { path: 'api.notifications.clear', detected: true },
  { path: 'api.action.openPopup', detected: true },
  { path: 'api.tabs.create' },
];

/** Manifest keys browser-compat-data does not list, and why they cost no version. */
const UNLISTED_KEYS: Record<string, string> = {
  key: 'Chromium development id only; stripped from the store zip (scripts/package-extension.ts)',
  minimum_chrome_version: 'the floor itself; Firefox ignores it',
};

/** `manifest.<key path>` for every key the manifest sets, descending where MDN has sub-entries. */
function manifestKeyPaths(value: unknown, prefix = 'manifest'): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => manifestKeyPaths(v, prefix)))];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = `${prefix}.${key}`;
    if (!compatAt(path)) return compatAt(prefix) ? [] : [path];
    return [path, ...manifestKeyPaths(inner, path)];
  });
}

function floorOf(paths: readonly string[], browser: Browser): { version: number; by: string } {
  let floor = { version: 0, by: '' };
  for (const path of paths) {
    const version = firstVersion(path, browser);
    if (version === undefined) throw new Error(`${path} is not supported by ${browser} according to browser-compat-data`);
    if (version > floor.version) floor = { version, by: path };
  }
  return floor;
}

/** `chrome.<ns>.<member>` (and the injected `api.<ns>.<member>`) uses in the shipped sources. */
function scannedApiUses(): Set<string> {
  const uses = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.tsx?$/.test(name)) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue;
          for (const m of line.matchAll(/\b(?:chrome|browser|api\??)\.(runtime|storage|alarms|windows|action|notifications|tabs|scripting|permissions|sidePanel|offscreen|identity)\??\.(\w+)/g)) {
            uses.add(`api.${m[1]}.${m[2]}`);
          }
        }
      }
    }
  };
  walk(join(import.meta.dirname, '../../src'));
  return uses;
}

const requiredApis = USED_APIS.filter((a) => !a.detected).map((a) => a.path);

describe('the manifests\' minimum browser versions match what the extension uses', () => {
  it('lists every extension API the sources call', () => {
    const listed = USED_APIS.map((a) => a.path);
    // Types (chrome.runtime.Port, MessageSender, StorageArea) count as their API entries.
    const missing = [...scannedApiUses()].filter((use) => !listed.some((p) => p === use || p.startsWith(`${use}.`)));
    expect(missing).toEqual([]);
    for (const path of listed) expect(compatAt(path), path).toBeDefined();
  });

  it('minimum_chrome_version is the newest first Chrome version of the APIs and keys used', () => {
    const keys = manifestKeyPaths(manifest);
    expect(keys.filter((k) => !compatAt(k)).map((k) => k.slice('manifest.'.length))).toEqual(Object.keys(UNLISTED_KEYS));
    const floor = floorOf([...requiredApis, ...keys.filter((k) => compatAt(k))], 'chrome');
    expect({ minimum_chrome_version: manifest.minimum_chrome_version, by: floor.by }).toEqual({
      minimum_chrome_version: String(floor.version),
      by: 'manifest.content_scripts.world',
    });
  });

  it('strict_min_version (desktop and Android) is the newest first Firefox version of the APIs and keys used', () => {
    const ff = firefoxManifest(manifest) as { browser_specific_settings: { gecko: { strict_min_version: string }; gecko_android: { strict_min_version: string } } };
    const keys = manifestKeyPaths(ff).filter((k) => compatAt(k));
    // What Firefox reads of the Chromium-only keys it keeps (minimum_chrome_version) is nothing.
    const desktop = floorOf([...requiredApis, ...keys.filter((k) => !k.startsWith('manifest.browser_specific_settings.gecko_android'))], 'firefox');
    expect({ strict_min_version: ff.browser_specific_settings.gecko.strict_min_version, by: desktop.by }).toEqual({
      strict_min_version: `${desktop.version}.0`,
      by: 'manifest.browser_specific_settings.gecko.data_collection_permissions',
    });
    // Firefox for Android has no windows.* (so no approval window): Parley does not claim it
    // works there, but the manifest's Android floor still matches the rest.
    const androidPaths = [...requiredApis, ...keys.filter((k) => k !== 'manifest.browser_specific_settings.gecko_android')];
    const lacking = androidPaths.filter((p) => firstVersion(p, 'firefox_android') === undefined);
    expect(lacking).toEqual(['api.windows.create', 'api.windows.remove', 'api.windows.onRemoved']);
    const android = floorOf(androidPaths.filter((p) => !lacking.includes(p)), 'firefox_android');
    expect({ strict_min_version: ff.browser_specific_settings.gecko_android.strict_min_version, by: android.by }).toEqual({
      strict_min_version: `${android.version}.0`,
      by: 'manifest.browser_specific_settings.gecko.data_collection_permissions',
    });
  });

  it('reports what each floor would be without its deciding key', () => {
    // The floors are set by one key each; the rest of what is used needs less.
    const chromeRest = floorOf(requiredApis, 'chrome');
    const firefoxRest = floorOf(requiredApis, 'firefox');
    expect(chromeRest.version).toBeLessThanOrEqual(Number(manifest.minimum_chrome_version));
    expect(firefoxRest.version).toBeLessThan(140);
    console.log(`[versions] APIs alone need Chrome ${chromeRest.version} (${chromeRest.by}) and Firefox ${firefoxRest.version} (${firefoxRest.by})`);
  });
});
