import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GRPC_WEB_CONTENT_TYPE, encodeGrpcWebDataFrame } from '../../../src/core/api/grpcWebFrames';
import { encodeGrpcWebTrailerFrame } from '../../../src/core/api/grpcWebTrailers';

/** One request as the test server saw it, with the response to answer it on. */
export interface TestCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw request body (a gRPC-web data frame, if the client is right). */
  body: Uint8Array;
  res: ServerResponse;
  /** Resolves when the response closes; `byClient` is true when it closed before we ended it. */
  closed: Promise<{ byClient: boolean }>;
}

export type TestHandler = (call: TestCall) => void | Promise<void>;

export interface GrpcWebTestServer {
  url: string;
  calls: TestCall[];
  close(): Promise<void>;
}

/**
 * A gRPC-web speaking HTTP/1.1 server on 127.0.0.1 with a random port. Each test passes the
 * handler that answers its calls; the helpers below write the framing.
 */
export async function startGrpcWebTestServer(handler: TestHandler): Promise<GrpcWebTestServer> {
  const calls: TestCall[] = [];
  const server = createServer((req, res) => {
    const closed = new Promise<{ byClient: boolean }>((resolve) => {
      res.on('close', () => resolve({ byClient: !res.writableEnded }));
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: TestCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
        res,
        closed,
      };
      calls.push(call);
      // A handler that throws (a failed expect) drops the connection instead of hanging the client.
      Promise.resolve()
        .then(() => handler(call))
        .catch((e: unknown) => {
          res.destroy(e instanceof Error ? e : new Error(String(e)));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** Starts a 200 gRPC-web response and flushes its headers, as a streaming server does. */
export function beginGrpcWeb(res: ServerResponse, extra: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': GRPC_WEB_CONTENT_TYPE, ...extra });
  res.flushHeaders();
}

export function writeMessage(res: ServerResponse, message: Uint8Array): void {
  res.write(encodeGrpcWebDataFrame(message));
}

export function endWithStatus(res: ServerResponse, status: number, message = ''): void {
  res.end(encodeGrpcWebTrailerFrame(status, message));
}

/** A complete unary answer: headers, one message, OK trailer. */
export function answerUnary(res: ServerResponse, message: Uint8Array): void {
  beginGrpcWeb(res);
  writeMessage(res, message);
  endWithStatus(res, 0);
}
