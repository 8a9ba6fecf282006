import { isIP } from 'node:net';

/**
 * The names a node answers to in the Host header. A page on a domain its owner re-points at
 * 127.0.0.1 (DNS rebinding) is same-origin with "the node" in the browser's eyes, so CORS does
 * not stop it; its requests still carry that domain in Host, and are refused. Allowed: the
 * loopback names, the listen address, `--public-host` names, and any IP address literal (a
 * page can only send one by being served from that address, which is no rebinding: this lets
 * a node on 0.0.0.0 be reached by its LAN or pod address, and load balancers probe it).
 */
export interface HostPolicy {
  allows(host: string | undefined): boolean;
}

export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** A host name as configured (lower case, no brackets, no trailing dot); undefined when it is not one. */
export function normalizeHostName(name: string): string | undefined {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  if (isIP(unbracketed)) return unbracketed;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(unbracketed) ? unbracketed : undefined;
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower case. */
export function hostNameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(lower);
  if (bracketed) return bracketed[1]!;
  const colon = lower.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port.
  return colon >= 0 && lower.indexOf(':') === colon ? lower.slice(0, colon) : lower;
}

export function createHostPolicy(options: { listenHost: string; publicHosts: readonly string[] }): HostPolicy {
  const names = new Set<string>(LOOPBACK_HOSTS);
  for (const name of [options.listenHost, ...options.publicHosts]) {
    const normal = normalizeHostName(name);
    if (normal !== undefined) names.add(normal);
  }
  return {
    allows(host) {
      // HTTP/1.0 may omit Host; browsers never do, and Node refuses HTTP/1.1 without one.
      if (host === undefined) return true;
      const name = hostNameOf(host);
      return names.has(name) || isIP(name) !== 0;
    },
  };
}
