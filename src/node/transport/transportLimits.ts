/**
 * Limits on the node's listeners, against clients that hold connections rather than send
 * calls (slowloris): a request must arrive within a time, an idle connection is closed, and
 * one address (and everyone together) may hold only so many connections. 0 = unlimited.
 */
export interface TransportLimits {
  /** gRPC-web: time a client has to send its request headers. */
  headersTimeoutMs: number;
  /**
   * gRPC-web: time a client has to send its whole request, headers and body. A response may
   * last longer: a subscription is one short request and a long-lived response.
   */
  requestTimeoutMs: number;
  /** A connection with no call in flight is closed after this long (both listeners). */
  idleTimeoutMs: number;
  /** gRPC-web: open connections from one IP address. */
  maxConnectionsPerIp: number;
  /** gRPC-web: open connections altogether. */
  maxConnections: number;
  /** Native gRPC: concurrent calls (HTTP/2 streams) on one connection. */
  maxStreamsPerConnection: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  headersTimeoutMs: 10_000,
  // A 25 MiB message (XMTP's limit) takes about a minute at 3.5 Mbit/s.
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  // Above --max-streams-per-client (100): each gRPC-web subscription holds a connection.
  maxConnectionsPerIp: 256,
  maxConnections: 10_000,
  maxStreamsPerConnection: 256,
};
