/**
 * Which browser origins may call the gRPC-web listener: an exact list from the operator
 * (`--cors-origin`, PARLEY_CORS_ORIGINS), or `*` for a public node any web app may use. A
 * request from an origin not on the list is refused (403), not only denied its CORS grant, so
 * a page cannot make the node act on calls whose answers it could not read anyway. Clients
 * outside a browser send no Origin and are not concerned.
 */
export interface OriginPolicy {
  allows(origin: string): boolean;
  /** The CORS response headers for a request from `origin` (none when it is not allowed). */
  headersFor(origin: string | undefined): Record<string, string>;
}

/**
 * The unpacked development build's Chromium extension id: manifest.json's `key` pins it
 * (Chromium derives the id from that public key), so it is the same on every machine and
 * path; `npm run package` strips the key, and the store build gets the store's id.
 */
export const DEV_CHROME_EXTENSION_ORIGIN = 'chrome-extension://kalcnooapnkhapgaabmoggphnaehhbac';

/**
 * Firefox gives each installation a random internal UUID; a developer pins this one with the
 * `extensions.webextensions.uuids` preference before installing (docs/operators.md).
 */
export const DEV_FIREFOX_EXTENSION_ORIGIN = 'moz-extension://f2ef2562-ef79-4afa-b59a-7e84759252b4';

/** The demo dApp's Vite server (`npm start`, `npm run demo`). */
export const DEV_DEMO_ORIGIN = 'http://localhost:5173';

/** What a node admits with no CORS configuration: what `npm start` runs, nothing else. */
export const DEV_CORS_ORIGINS: readonly string[] = [DEV_CHROME_EXTENSION_ORIGIN, DEV_FIREFOX_EXTENSION_ORIGIN, DEV_DEMO_ORIGIN];

/** scheme://host[:port], nothing after: the form a browser's Origin header has. */
const ORIGIN_FORM = /^[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|[a-z0-9._~-]+)(:\d{1,5})?$/;

/** An origin as configured, in the form browsers send it (lower case); undefined when it is not one. */
export function normalizeOrigin(origin: string): string | undefined {
  const lower = origin.trim().toLowerCase().replace(/\/$/, '');
  if (lower === '*') return lower;
  return ORIGIN_FORM.test(lower) ? lower : undefined;
}

export function createOriginPolicy(origins: readonly string[]): OriginPolicy {
  const anyOrigin = origins.includes('*');
  const exact = new Set(origins);
  const allows = (origin: string): boolean => anyOrigin || exact.has(origin);
  return {
    allows,
    headersFor(origin) {
      if (origin === undefined || !allows(origin)) return {};
      return {
        'access-control-allow-origin': origin,
        'access-control-expose-headers': 'grpc-status, grpc-message',
        vary: 'Origin',
      };
    },
  };
}
