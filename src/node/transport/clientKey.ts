/**
 * The rate-limit key of a peer: its IP address without the port, from a grpc-js peer string
 * (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`, `127.0.0.1:5000`) or a socket's remoteAddress.
 */
export function clientKeyOf(peer: string | undefined): string {
  if (!peer) return 'unknown';
  // Every call asks (the rate limiter keys on it), and a connection's calls share one peer
  // string: parsed once per connection, not once per call.
  let key = recent.get(peer);
  if (key === undefined) {
    if (recent.size >= RECENT_PEERS) recent.clear();
    recent.set(peer, (key = parsePeer(peer)));
  }
  return key;
}

/** Peers remembered; a pure function's memo, so dropping it all at once only costs re-parsing. */
const RECENT_PEERS = 1024;
const recent = new Map<string, string>();

function parsePeer(peer: string): string {
  let p = peer.replace(/^(ipv4|ipv6|unix):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(p);
  if (bracketed?.[1]) return normalize(bracketed[1]);
  // One colon: host:port. Several (bare IPv6): there is no port to strip.
  if (p.split(':').length === 2) p = p.slice(0, p.lastIndexOf(':'));
  return normalize(p);
}

/** IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d. */
function normalize(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
