import { setMaxListeners } from 'node:events';
import { ParleyError } from '../core/errors';
import { refusingSmartWalletVerifier, type SmartWalletVerifier } from '../core/identity/smartWalletVerifier';
import { createLogger, type Logger, type LogLevel } from './log';
import { Dispatcher } from './rpc/dispatcher';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './rpc/rateLimiter';
import { createHandlers } from './service/handlers';
import { DEFAULT_RETENTION, startRetentionSweeps, type RetentionPolicy } from './service/retention';
import { DEFAULT_STREAM_LIMITS, StreamAdmission, type StreamLimits } from './service/streamAdmission';
import { createCoreValidators, type NodeValidators } from './service/validators';
import type { SqliteNodeStore } from './storage/sqlite/sqliteStore';
import { openSqliteStoreInWorker } from './storage/sqlite/sqliteWorkerStore';
import type { NodeStore } from './storage/types';
import { startGrpcListener } from './transport/grpcServer';
import { startGrpcWebListener } from './transport/grpcWebServer';
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from './transport/transportLimits';
import { DEV_CORS_ORIGINS, createOriginPolicy } from './transport/cors';
import { createHostPolicy } from './transport/hostCheck';
import { NodeMetrics } from './metrics';
import { startMetricsListener } from './transport/metricsServer';
import { TlsIdentity, type TlsFiles, type TlsPair } from './transport/tlsIdentity';

/** XMTP's gRPC payload limit (libxmtp xmtp_configuration GRPC_PAYLOAD_LIMIT). */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface NodeOptions {
  host: string;
  /** Native gRPC port; 0 picks a free one. */
  port: number;
  /** gRPC-web port; 0 picks a free one. */
  webPort: number;
  /** SQLite data directory (ignored with `postgres` or `store`). */
  dataDir: string;
  /** PostgreSQL connection URL: use the PostgreSQL backend instead of SQLite. */
  postgres?: string;
  logLevel?: LogLevel;
  logger?: Logger;
  rateLimits?: RateLimits;
  /** Caps on open subscriptions (DEFAULT_STREAM_LIMITS when absent). */
  streamLimits?: StreamLimits;
  /** What the periodic sweep expires (DEFAULT_RETENTION when absent). */
  retention?: RetentionPolicy;
  /** Listener timeouts and connection caps (DEFAULT_TRANSPORT_LIMITS when absent). */
  transportLimits?: TransportLimits;
  /** Browser origins the gRPC-web listener admits, exact or `*` (DEV_CORS_ORIGINS when absent). */
  corsOrigins?: readonly string[];
  /** Host names it answers to besides the loopback names and `host`. */
  publicHosts?: readonly string[];
  /** Serve Prometheus metrics at GET /metrics on this address (0 = a free port); none when absent. */
  metrics?: { host: string; port: number };
  /** Serve both listeners over TLS with this PEM certificate chain and key (checked at start). */
  tls?: TlsFiles;
  /** Replaces the validators over src/core (tests). */
  validators?: NodeValidators;
  smartWalletVerifier?: SmartWalletVerifier;
  /** An already open store (tests); the node closes it on close(). */
  store?: NodeStore;
  now?: () => Date;
  /** How long close() lets calls in flight finish before cutting them. */
  shutdownGraceMs?: number;
}

export interface RunningNode {
  readonly grpcPort: number;
  readonly webPort: number;
  /** The metrics listener's port, when `metrics` was asked for. */
  readonly metricsPort?: number;
  readonly store: NodeStore;
  /** The certificate both listeners serve, when started with `tls`. */
  readonly tls: TlsPair | undefined;
  /**
   * Reads the TLS files again and serves the new pair on both listeners (SIGHUP in the CLI).
   * Throws a Node.Tls* error, and keeps the old pair, if the files fail the checks; without
   * `tls` it is Node.BadConfig.
   */
  reloadTls(): Promise<TlsPair>;
  /**
   * Graceful stop: refuse new calls, end live subscriptions (UNAVAILABLE), let calls in flight
   * finish (every acknowledged write is already durable), then close the store.
   */
  close(): Promise<void>;
}

/**
 * The PostgreSQL backend lives in storage/postgres.ts (written against storage/types.ts) and
 * exports `openPostgresStore({ url, logger })`. Loaded only when asked for, by a computed
 * specifier, so SQLite-only use never loads `pg`.
 */
async function openPostgres(url: string, logger: Logger): Promise<NodeStore> {
  const specifier = './storage/postgres';
  let mod: { openPostgresStore?: (o: { url: string; logger: Logger }) => Promise<NodeStore> };
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
  } catch (cause) {
    throw new ParleyError('Node.BadConfig', 'The PostgreSQL backend is not available in this build.', { cause });
  }
  if (!mod.openPostgresStore) throw new ParleyError('Node.BadConfig', 'The PostgreSQL backend is not available in this build.');
  return mod.openPostgresStore({ url, logger });
}

function commitStatsOf(store: NodeStore): { commits?: number; writes?: number } {
  const stats = (store as Partial<SqliteNodeStore>).commitStats;
  return stats ? { commits: stats.commits, writes: stats.writes } : {};
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  // Before the store opens: a wrong certificate path is the operator's to fix, with nothing to undo.
  const tls = options.tls ? await TlsIdentity.load(options.tls) : undefined;
  const store =
    options.store ??
    (options.postgres !== undefined ? await openPostgres(options.postgres, logger) : await openSqliteStoreInWorker({ dataDir: options.dataDir }));
  const shutdown = new AbortController();
  // Every live subscription listens for shutdown: thousands is normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const smartWalletVerifier = options.smartWalletVerifier ?? refusingSmartWalletVerifier;
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ? new NodeMetrics() : undefined;
  const dispatcher = new Dispatcher({
    ...(metrics ? { observer: metrics } : {}),
    handlers: createHandlers({
      store,
      validators: options.validators ?? createCoreValidators({ smartWalletVerifier }),
      smartWalletVerifier,
      now,
      shutdown: shutdown.signal,
      maxSubscriptionBacklog: 10_000,
      streams: new StreamAdmission(options.streamLimits ?? DEFAULT_STREAM_LIMITS),
    }),
    rateLimiter: new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS),
    logger,
  });

  const started: { close(graceMs: number): Promise<void> }[] = [];
  const sweeps = startRetentionSweeps({ store, policy: options.retention ?? DEFAULT_RETENTION, now, logger });
  const limits = options.transportLimits ?? DEFAULT_TRANSPORT_LIMITS;
  try {
    const grpcListener = await startGrpcListener({
      host: options.host,
      port: options.port,
      dispatcher,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      limits,
      ...(tls ? { tls } : {}),
    });
    started.push(grpcListener);
    const webListener = await startGrpcWebListener({
      host: options.host,
      port: options.webPort,
      dispatcher,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      limits,
      origins: createOriginPolicy(options.corsOrigins ?? DEV_CORS_ORIGINS),
      hosts: createHostPolicy({ listenHost: options.host, publicHosts: options.publicHosts ?? [] }),
      ...(tls ? { tls } : {}),
      // Group-commit counters where the backend keeps them (SQLite): writes / commits is the
      // batching under load, which bench:node reports.
      health: () => ({ backend: store.backend, ...commitStatsOf(store) }),
    });
    started.push(webListener);
    let metricsPort: number | undefined;
    if (metrics && options.metrics) {
      metrics.countConnections('grpc', () => grpcListener.connections());
      metrics.countConnections('grpc-web', () => webListener.connections());
      if (tls) metrics.watchCertificateExpiry(() => tls.current.expiresAt.getTime() / 1000);
      const metricsListener = await startMetricsListener({ ...options.metrics, registry: metrics.registry });
      started.push({ close: () => metricsListener.close() });
      metricsPort = metricsListener.port;
    }

    let closing: Promise<void> | undefined;
    const graceMs = options.shutdownGraceMs ?? 10_000;
    return {
      grpcPort: grpcListener.port,
      webPort: webListener.port,
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      store,
      get tls() {
        return tls?.current;
      },
      reloadTls: async () => {
        if (!tls) throw new ParleyError('Node.BadConfig', 'This node was started without TLS: there is no certificate to reload.');
        return tls.reload();
      },
      close: () =>
        (closing ??= (async () => {
          shutdown.abort();
          const drained = dispatcher.drain();
          await Promise.all(started.map((l) => l.close(graceMs)));
          await drained;
          await sweeps.stop();
          await store.close();
        })()),
    };
  } catch (error) {
    shutdown.abort();
    await Promise.all(started.map((l) => l.close(0)));
    await sweeps.stop();
    await store.close();
    throw error;
  }
}
