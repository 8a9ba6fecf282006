import { parseArgs } from 'node:util';
import { ParleyError } from '../core/errors';
import { isLogLevel, type LogLevel } from './log';
import { DEFAULT_STREAM_LIMITS } from './service/streamAdmission';
import { DEFAULT_RATE_LIMITS } from './rpc/rateLimiter';
import { DAY_MS, DEFAULT_RETENTION } from './service/retention';
import { DEV_CORS_ORIGINS, normalizeOrigin } from './transport/cors';
import { normalizeHostName } from './transport/hostCheck';
import { DEFAULT_TRANSPORT_LIMITS } from './transport/transportLimits';

export interface CliOptions {
  port: number;
  webPort: number;
  host: string;
  dataDir: string;
  postgres?: string;
  logLevel: LogLevel;
  rateLimitWrites: number;
  rateLimitReads: number;
  // --- resource limits (service/streamAdmission) ---
  maxStreamsPerClient: number;
  maxStreams: number;
  maxTopicsPerStream: number;
  maxStreamTopics: number;
  // --- write budget and retention (rpc/rateLimiter, service/retention) ---
  rateLimitWriteBytes: number;
  welcomeRetentionDays: number;
  // --- transport: listener limits (transport/transportLimits) ---
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnectionsPerIp: number;
  maxConnections: number;
  maxStreamsPerConnection: number;
  // --- transport: who may call (transport/cors, transport/hostCheck) ---
  corsOrigins: string[];
  publicHosts: string[];
  // --- transport: metrics (metrics.ts) ---
  metricsPort?: number;
  metricsHost: string;
  // --- transport: TLS on both listeners (transport/tlsIdentity) ---
  tlsCert?: string;
  tlsKey?: string;
}

export const USAGE = `Usage: parley-node [options]

An XMTP-API-compatible network node: xmtp.mls.api.v1.MlsApi and
xmtp.identity.api.v1.IdentityApi over native gRPC (HTTP/2, cleartext) and gRPC-web.

Options:
  --port N             native gRPC port (default 5556; 0 picks a free port)
  --web-port N         gRPC-web port, also serving GET /health (default 5557; 0 = free port)
  --host ADDR          address to listen on (default 127.0.0.1)
  --data-dir DIR       SQLite data directory (default ./.parley-node)
  --postgres URL       use PostgreSQL at URL instead of SQLite
  --log-level LEVEL    error | warn | info | debug (default info; debug logs every request)
  --rate-limit-writes N  write items (messages, welcomes, key packages, identity updates,
                         commit-log entries) per client per 5 minutes (default 3000; 0 = unlimited)
  --rate-limit-reads N   reads per client per 5 minutes (default 20000; 0 = unlimited)
  --max-streams-per-client N  open subscriptions per client address (default 100; 0 = unlimited)
  --max-streams N             open subscriptions in total (default 10000; 0 = unlimited)
  --max-topics-per-stream N   groups or installations one subscription may name (default 10000)
  --max-stream-topics N       topics all open subscriptions may name together (default 2000000)
                              Over a cap, a subscription is refused with RESOURCE_EXHAUSTED.
  --rate-limit-write-bytes N  request bytes a client may write per 5 minutes
                              (default 104857600; 0 = unlimited); over it, RESOURCE_EXHAUSTED
  --welcome-retention-days N  delete welcomes older than N days (default 90; 0 = keep them);
                              expired key packages and those of revoked installations go too
  --headers-timeout-ms N      gRPC-web: time to send the request headers (default 10000)
  --request-timeout-ms N      gRPC-web: time to send the whole request (default 60000; a
                              subscription's response is not timed)
  --idle-timeout-ms N         close a connection with no call in flight after N ms (default 60000)
  --max-connections-per-ip N  gRPC-web connections from one IP address (default 256; 0 = unlimited)
  --max-connections N         gRPC-web connections in total (default 10000; 0 = unlimited)
                              Past a cap, a connection is answered 503 and closed.
  --max-streams-per-connection N  native gRPC: concurrent calls on one connection (default 256)
  --cors-origin ORIGIN        a browser origin admitted to gRPC-web, exactly (repeatable; also
                              PARLEY_CORS_ORIGINS, comma-separated); * admits every origin (a
                              public node). Default: the development extension (Chromium id
                              pinned by manifest.json's key; Firefox by a pinned UUID) and the
                              demo dApp, http://localhost:5173. Other origins get 403.
  --public-host NAME          a Host name the node answers to (repeatable), besides localhost,
                              127.0.0.1, [::1], --host and IP addresses; others get 421
  --metrics-port N            serve Prometheus metrics at GET /metrics on this port (default: off)
  --metrics-host ADDR         address of the metrics listener (default 127.0.0.1)
  --tls-cert FILE             serve both listeners over TLS with this PEM certificate chain
                              (also PARLEY_TLS_CERT); needs --tls-key. Clients then use https://
  --tls-key FILE              the certificate's PEM private key, unencrypted (also PARLEY_TLS_KEY)
                              SIGHUP re-reads both files; a bad pair is logged, the old one kept.
  -h, --help           show this help

Once both listeners are up, prints one line to stdout:
  {"event":"listening","grpcPort":N,"webPort":M}   (and "metricsPort" with --metrics-port)
Logs go to stderr. SIGTERM/SIGINT stop it gracefully (exit 0). Operators: docs/operators.md.
`;

function portOf(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new ParleyError('Node.BadConfig', `${flag} must be a port number (0-65535).`, { details: JSON.stringify(value) });
  }
  return n;
}

function countOf(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    throw new ParleyError('Node.BadConfig', `${flag} must be a whole number.`, { details: JSON.stringify(value) });
  }
  return Number(value);
}

/** --cors-origin values and PARLEY_CORS_ORIGINS together, normalized; the development set when neither is given. */
function corsOriginsOf(flags: readonly string[] | undefined, env: string | undefined): string[] {
  const given = [...(flags ?? []), ...(env ?? '').split(',').filter((o) => o.trim() !== '')];
  if (given.length === 0) return [...DEV_CORS_ORIGINS];
  return [
    ...new Set(
      given.map((o) => {
        const normal = normalizeOrigin(o);
        if (normal === undefined) {
          throw new ParleyError('Node.BadConfig', '--cors-origin must be scheme://host[:port] or *.', { details: JSON.stringify(o) });
        }
        return normal;
      }),
    ),
  ];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function publicHostsOf(flags: readonly string[] | undefined): string[] {
  return (flags ?? []).map((h) => {
    const normal = normalizeHostName(h);
    if (normal === undefined) throw new ParleyError('Node.BadConfig', '--public-host must be a host name or IP address, without a port.', { details: JSON.stringify(h) });
    return normal;
  });
}

/**
 * Parses the CLI arguments (and the PARLEY_* variables of `env`); `help` when usage was asked
 * for. Bad input is Node.BadConfig.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): { help: true } | { help: false; options: CliOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'web-port': { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        postgres: { type: 'string' },
        'log-level': { type: 'string' },
        'rate-limit-writes': { type: 'string' },
        'rate-limit-reads': { type: 'string' },
        'max-streams-per-client': { type: 'string' },
        'max-streams': { type: 'string' },
        'max-topics-per-stream': { type: 'string' },
        'max-stream-topics': { type: 'string' },
        'rate-limit-write-bytes': { type: 'string' },
        'welcome-retention-days': { type: 'string' },
        'headers-timeout-ms': { type: 'string' },
        'request-timeout-ms': { type: 'string' },
        'idle-timeout-ms': { type: 'string' },
        'max-connections-per-ip': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-streams-per-connection': { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        'public-host': { type: 'string', multiple: true },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (cause) {
    throw new ParleyError('Node.BadConfig', 'Bad command line.', { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  if (values.help) return { help: true };
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new ParleyError('Node.BadConfig', '--log-level must be error, warn, info or debug.', { details: JSON.stringify(logLevel) });
  }
  const options: CliOptions = {
    port: portOf('--port', values.port, 5556),
    webPort: portOf('--web-port', values['web-port'], 5557),
    host: values.host ?? '127.0.0.1',
    dataDir: values['data-dir'] ?? './.parley-node',
    logLevel,
    rateLimitWrites: countOf('--rate-limit-writes', values['rate-limit-writes'], 3000),
    rateLimitReads: countOf('--rate-limit-reads', values['rate-limit-reads'], 20000),
    maxStreamsPerClient: countOf('--max-streams-per-client', values['max-streams-per-client'], DEFAULT_STREAM_LIMITS.perClient),
    maxStreams: countOf('--max-streams', values['max-streams'], DEFAULT_STREAM_LIMITS.total),
    maxTopicsPerStream: countOf('--max-topics-per-stream', values['max-topics-per-stream'], DEFAULT_STREAM_LIMITS.topicsPerStream),
    maxStreamTopics: countOf('--max-stream-topics', values['max-stream-topics'], DEFAULT_STREAM_LIMITS.totalTopics),
    rateLimitWriteBytes: countOf('--rate-limit-write-bytes', values['rate-limit-write-bytes'], DEFAULT_RATE_LIMITS.writeBytes ?? 0),
    welcomeRetentionDays: countOf('--welcome-retention-days', values['welcome-retention-days'], DEFAULT_RETENTION.welcomeMaxAgeMs / DAY_MS),
    headersTimeoutMs: countOf('--headers-timeout-ms', values['headers-timeout-ms'], DEFAULT_TRANSPORT_LIMITS.headersTimeoutMs),
    requestTimeoutMs: countOf('--request-timeout-ms', values['request-timeout-ms'], DEFAULT_TRANSPORT_LIMITS.requestTimeoutMs),
    idleTimeoutMs: countOf('--idle-timeout-ms', values['idle-timeout-ms'], DEFAULT_TRANSPORT_LIMITS.idleTimeoutMs),
    maxConnectionsPerIp: countOf('--max-connections-per-ip', values['max-connections-per-ip'], DEFAULT_TRANSPORT_LIMITS.maxConnectionsPerIp),
    maxConnections: countOf('--max-connections', values['max-connections'], DEFAULT_TRANSPORT_LIMITS.maxConnections),
    maxStreamsPerConnection: countOf('--max-streams-per-connection', values['max-streams-per-connection'], DEFAULT_TRANSPORT_LIMITS.maxStreamsPerConnection),
    corsOrigins: corsOriginsOf(values['cors-origin'], env['PARLEY_CORS_ORIGINS']),
    publicHosts: publicHostsOf(values['public-host']),
    metricsHost: values['metrics-host'] ?? '127.0.0.1',
  };
  if (values['metrics-port'] !== undefined) options.metricsPort = portOf('--metrics-port', values['metrics-port'], 0);
  // Node's HTTP server refuses a header time longer than the whole request's.
  if (options.requestTimeoutMs > 0 && options.headersTimeoutMs > options.requestTimeoutMs) {
    throw new ParleyError('Node.BadConfig', '--headers-timeout-ms must be at most --request-timeout-ms.', {
      details: JSON.stringify({ headersTimeoutMs: options.headersTimeoutMs, requestTimeoutMs: options.requestTimeoutMs }),
    });
  }
  if (values.postgres !== undefined) options.postgres = values.postgres;
  const tlsCert = values['tls-cert'] ?? nonEmpty(env['PARLEY_TLS_CERT']);
  const tlsKey = values['tls-key'] ?? nonEmpty(env['PARLEY_TLS_KEY']);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ParleyError('Node.BadConfig', 'TLS needs both --tls-cert and --tls-key (or PARLEY_TLS_CERT and PARLEY_TLS_KEY).', {
      details: JSON.stringify({ tlsCert: tlsCert ?? null, tlsKey: tlsKey ?? null }),
    });
  }
  if (tlsCert !== undefined && tlsKey !== undefined) {
    options.tlsCert = tlsCert;
    options.tlsKey = tlsKey;
  }
  return { help: false, options };
}
