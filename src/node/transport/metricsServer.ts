import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * GET /metrics in Prometheus' text format, on a listener of its own: the gRPC-web port faces
 * browsers and the internet, and what the metrics tell (load, the method mix, memory) is for
 * the operator's scraper, which a separate port on a private address keeps to itself.
 */
export async function startMetricsListener(options: { host: string; port: number; registry: Registry }): Promise<MetricsListener> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    options.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
