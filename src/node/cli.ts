/**
 * parley-node's command line: `npx tsx src/node/cli.ts [options]` (see args.ts USAGE).
 * Exit codes: 0 after a clean stop, 2 for bad arguments, 1 when the node cannot start.
 */
import { isParleyError } from '../core/errors';
import { USAGE, parseCliArgs } from './args';
import { createLogger } from './log';
import { startNode } from './node';
import { DAY_MS, DEFAULT_RETENTION } from './service/retention';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCliArgs(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`${isParleyError(e) ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { options } = parsed;
  const logger = createLogger(options.logLevel);
  // Handlers go in before anything starts: a SIGTERM during startup then stops the node as
  // soon as it is up, instead of killing it halfway through opening its store.
  let signalled: string | undefined;
  let onSignal: (signal: string) => void = (signal) => {
    signalled ??= signal;
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  let node;
  try {
    node = await startNode({
      host: options.host,
      port: options.port,
      webPort: options.webPort,
      dataDir: options.dataDir,
      ...(options.postgres !== undefined ? { postgres: options.postgres } : {}),
      logger,
      rateLimits: { writes: options.rateLimitWrites, reads: options.rateLimitReads, writeBytes: options.rateLimitWriteBytes, windowMs: 5 * 60 * 1000 },
      retention: { ...DEFAULT_RETENTION, welcomeMaxAgeMs: options.welcomeRetentionDays * DAY_MS },
      streamLimits: {
        perClient: options.maxStreamsPerClient,
        total: options.maxStreams,
        topicsPerStream: options.maxTopicsPerStream,
        totalTopics: options.maxStreamTopics,
      },
      transportLimits: {
        headersTimeoutMs: options.headersTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        maxConnectionsPerIp: options.maxConnectionsPerIp,
        maxConnections: options.maxConnections,
        maxStreamsPerConnection: options.maxStreamsPerConnection,
      },
      corsOrigins: options.corsOrigins,
      publicHosts: options.publicHosts,
      ...(options.metricsPort !== undefined ? { metrics: { host: options.metricsHost, port: options.metricsPort } } : {}),
      ...(options.tlsCert !== undefined && options.tlsKey !== undefined ? { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } } : {}),
    });
  } catch (e) {
    logger.error('cannot start', isParleyError(e) ? { code: e.code, error: e.message } : { error: String(e) });
    return 1;
  }
  logger.info('parley-node started', {
    host: options.host,
    grpcPort: node.grpcPort,
    webPort: node.webPort,
    backend: node.store.backend,
    corsOrigins: options.corsOrigins,
    ...(node.tls ? { tls: { subject: node.tls.subject, fingerprint256: node.tls.fingerprint256, validTo: node.tls.validTo } } : {}),
    ...(options.postgres === undefined ? { dataDir: options.dataDir } : {}),
  });
  const listening = {
    event: 'listening',
    grpcPort: node.grpcPort,
    webPort: node.webPort,
    ...(node.metricsPort !== undefined ? { metricsPort: node.metricsPort } : {}),
    ...(node.tls ? { tls: true } : {}),
  };
  process.stdout.write(`${JSON.stringify(listening)}\n`);

  const running = node;
  // SIGHUP: a renewed certificate (certbot, ACME) is served without a restart.
  if (running.tls) {
    process.on('SIGHUP', () => {
      running.reloadTls().then(
        (pair) => logger.info('tls reloaded', { subject: pair.subject, fingerprint256: pair.fingerprint256, validTo: pair.validTo }),
        (e: unknown) => logger.error('tls reload failed; still serving the previous certificate', isParleyError(e) ? { code: e.code, error: e.message } : { error: String(e) }),
      );
    });
  }
  await new Promise<void>((resolve) => {
    onSignal = (signal) => {
      logger.info('stopping', { signal });
      running.close().then(resolve, (e: unknown) => {
        logger.error('unclean stop', { error: String(e) });
        resolve();
      });
    };
    if (signalled !== undefined) onSignal(signalled);
  });
  logger.info('stopped');
  return 0;
}

main().then(
  // exit explicitly: nothing left to do once the store is closed, whatever handles linger.
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
