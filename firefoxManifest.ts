/**
 * The Firefox build's manifest, derived from manifest.json (the Chromium one): background scripts
 * instead of a service worker, a gecko id and the version floors. vite.config.ts builds with it;
 * test/manifest/minimumVersions.test.ts checks its floors against the APIs and keys used.
 */

export const FIREFOX_ID = 'parley@parley.dev';

interface ChromiumManifest {
  key?: string;
  background: { service_worker: string; type?: string };
  [field: string]: unknown;
}

export function firefoxManifest(manifest: ChromiumManifest): Record<string, unknown> {
  // `key` pins the Chromium development id (src/node/transport/cors.ts); Firefox has no use for it.
  const { background, key: _devKey, ...rest } = manifest;
  return {
    ...rest,
    background: { scripts: [background.service_worker], type: background.type },
    // MAIN-world content scripts arrived in Firefox 128; the data-collection declaration new
    // add-ons must carry is read from 140 on (142 on Android), and addons-linter wants those
    // floors with it (DESIGN §7). The minimum-versions test recomputes both from MDN's data.
    // Messages, MLS ciphertext, go to the node the user chose: personal communications (PRIVACY.md).
    browser_specific_settings: {
      gecko: { id: FIREFOX_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['personalCommunications'] } },
      // Firefox for Android reads the declaration from 142.
      gecko_android: { strict_min_version: '142.0' },
    },
  };
}
