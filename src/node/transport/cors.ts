/**
 * Origins allowed to call the gRPC-web listener from a browser: extension pages (Chrome and
 * Firefox) and pages served from this machine (development dApps). Any other site gets no CORS
 * grant, so its scripts cannot read the node's answers; non-browser clients send no Origin.
 */
export function isAllowedOrigin(origin: string): boolean {
  if (/^chrome-extension:\/\/[a-p]{32}$/.test(origin)) return true;
  if (/^moz-extension:\/\/[0-9a-f-]{36}$/i.test(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

/** The CORS response headers for a request from `origin` (none when it is not allowed). */
export function corsHeadersFor(origin: string | undefined): Record<string, string> {
  if (origin === undefined || !isAllowedOrigin(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'grpc-status, grpc-message',
    vary: 'Origin',
  };
}
