import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { GrpcStatus } from '../core/api';
import type { CallObserver } from './rpc/dispatcher';

const STATUS_NAMES = new Map<number, string>(Object.entries(GrpcStatus).map(([name, code]) => [code, name]));

/**
 * The node's Prometheus metrics: calls by method and gRPC status, subscriptions open,
 * connections open per listener, and prom-client's process metrics (resident and heap memory,
 * CPU, event-loop lag, handles). Method labels are API names only (an unknown path counts as
 * "unknown"), so a client cannot grow the label set.
 */
export class NodeMetrics implements CallObserver {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'parley_requests_total',
    help: 'Calls finished, by method and gRPC status.',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly streams = new Gauge({
    name: 'parley_streams_open',
    help: 'Subscriptions (server streams) open, by method.',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  private readonly connectionSources = new Map<string, () => number | undefined>();
  private readonly certificateExpiry: { read?: () => number } = {};

  constructor() {
    const sources = this.connectionSources;
    new Gauge({
      name: 'parley_connections_open',
      help: 'Client connections open, by listener.',
      labelNames: ['listener'] as const,
      registers: [this.registry],
      collect() {
        for (const [listener, count] of sources) {
          const n = count();
          if (n !== undefined) this.set({ listener }, n);
        }
      },
    });
    const expiry = this.certificateExpiry;
    new Gauge({
      name: 'parley_tls_certificate_expiry_seconds',
      help: 'When the certificate the node serves expires (Unix time); absent without TLS.',
      registers: [this.registry],
      collect() {
        const at = expiry.read?.();
        if (at !== undefined) this.set(at);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the served certificate's expiry (Unix seconds) is read at each scrape; a reload moves it. */
  watchCertificateExpiry(expiresAt: () => number): void {
    this.certificateExpiry.read = expiresAt;
  }

  /** Where the connection count of `listener` ("grpc", "grpc-web") is read at each scrape. */
  countConnections(listener: string, count: () => number | undefined): void {
    this.connectionSources.set(listener, count);
  }

  started(method: string | undefined, stream: boolean): void {
    if (stream) this.streams.inc({ method: method ?? 'unknown' });
  }

  ended(method: string | undefined, stream: boolean, status: number): void {
    const label = method ?? 'unknown';
    if (stream) this.streams.dec({ method: label });
    this.requests.inc({ method: label, status: STATUS_NAMES.get(status) ?? String(status) });
  }
}
