/** Test clients for parley-node: raw grpc-js calls (bytes in, bytes out) and gRPC-web over fetch. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { apiMethods, type ApiMethodName, type MethodSpec, type ProtoCodec } from '../../src/core/api';
import { silentLogger } from '../../src/node/log';
import { startNode, type NodeOptions, type RunningNode } from '../../src/node/node';

export function tempDir(prefix = 'parley-node-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestNode extends RunningNode {
  dataDir: string;
  client: grpc.Client;
  /** Closes client and node and removes the data dir (unless `keepData`). */
  stop(keepData?: boolean): Promise<void>;
}

/** An in-process parley-node on loopback, rate limits off, with its SQLite under a temp dir. */
export async function startTestNode(options: Partial<NodeOptions> = {}): Promise<TestNode> {
  const dataDir = options.dataDir ?? tempDir();
  const node = await startNode({
    host: '127.0.0.1',
    port: 0,
    webPort: 0,
    dataDir,
    logger: silentLogger,
    rateLimits: { writes: 0, reads: 0, windowMs: 300_000 },
    shutdownGraceMs: 2000,
    ...options,
  });
  const client = new grpc.Client(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  return {
    ...node,
    dataDir,
    client,
    async stop(keepData = false) {
      client.close();
      await node.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const raw = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const passThrough = (b: Buffer): Buffer => b;

export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`gRPC ${code}: ${details}`);
  }
}

/** A unary call with raw request bytes; resolves with raw response bytes or rejects with GrpcCallError. */
export function rawUnary(client: grpc.Client, path: string, request: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, raw, passThrough, request, (error, value) => {
      if (error) reject(new GrpcCallError(error.code, error.details));
      else resolve(new Uint8Array(value ?? new Uint8Array()));
    });
  });
}

type Req<M extends ApiMethodName> = (typeof apiMethods)[M] extends MethodSpec<infer R, unknown> ? R : never;
type Res<M extends ApiMethodName> = (typeof apiMethods)[M] extends MethodSpec<unknown, infer R> ? R : never;

/** A typed unary call over native gRPC. */
export async function call<M extends ApiMethodName>(client: grpc.Client, method: M, request: Req<M>): Promise<Res<M>> {
  const spec = apiMethods[method] as unknown as MethodSpec<Req<M>, Res<M>>;
  const bytes = await rawUnary(client, spec.path, (spec.requestCodec as ProtoCodec<Req<M>>).encode(request).finish());
  return (spec.responseCodec as ProtoCodec<Res<M>>).decode(bytes);
}

export interface OpenStream<T> {
  /** Resolves with the next `n` messages (waiting for them). */
  take(n: number, timeoutMs?: number): Promise<T[]>;
  /** Messages received and not yet taken. */
  readonly buffered: T[];
  /** Resolves with the stream's final status (OK = 0). */
  readonly ended: Promise<{ code: number; details: string }>;
  cancel(): void;
}

/** A server-streaming call over native gRPC; messages are queued until taken. */
export function openStream<M extends 'subscribeGroupMessages' | 'subscribeWelcomeMessages'>(
  client: grpc.Client,
  method: M,
  request: Req<M>,
): OpenStream<Res<M>> {
  const spec = apiMethods[method] as unknown as MethodSpec<Req<M>, Res<M>>;
  const stream = client.makeServerStreamRequest(spec.path, raw, passThrough, (spec.requestCodec as ProtoCodec<Req<M>>).encode(request).finish());
  const buffered: Res<M>[] = [];
  let waiter: (() => void) | undefined;
  let endStatus: { code: number; details: string } | undefined;
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    stream.on('status', (s: grpc.StatusObject) => {
      endStatus = { code: s.code, details: s.details };
      resolve(endStatus);
      waiter?.();
    });
  });
  stream.on('data', (b: Buffer) => {
    buffered.push((spec.responseCodec as ProtoCodec<Res<M>>).decode(new Uint8Array(b)));
    waiter?.();
  });
  stream.on('error', () => {});
  return {
    buffered,
    ended,
    cancel: () => stream.cancel(),
    async take(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (buffered.length < n) {
        if (endStatus) throw new Error(`stream ended (${endStatus.code} ${endStatus.details}) after ${buffered.length} of ${n}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out with ${buffered.length} of ${n} messages`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        waiter = undefined;
      }
      return buffered.splice(0, n);
    },
  };
}

/** Resolves after the next macrotask turns, letting queued I/O run. */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
