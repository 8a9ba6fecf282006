/**
 * `npm run bench:node`: publish → subscriber delivery on loopback, parley-node (SQLite,
 * synchronous=FULL, every write durable before its ack) against a bare WebSocket fan-out
 * (bench/nodeBaselineWs.ts) measured in the same run with the same workload.
 *
 * Workload: SUBSCRIBERS clients subscribe to one group; PUBLISHERS clients publish MESSAGES
 * messages of PAYLOAD bytes, each keeping IN_FLIGHT sends outstanding (a send completes on its
 * acknowledgement). Latency = time from a send to its arrival at a subscriber (same clock);
 * throughput = messages delivered to every subscriber per second of the run.
 * Both servers run as child processes; this process only drives clients.
 *
 * What the comparison is and is not: both sides carry the same messages to the same number of
 * subscribers, and both acknowledge each send. The baseline acknowledges on receipt (nothing
 * is stored, validated or decoded; one WebSocket frame per message and per delivery); the node
 * acknowledges only after the message is fsynced (SQLite synchronous=FULL), parses its MLS
 * framing, and each send is a gRPC unary call (a new HTTP/2 stream with headers and trailers).
 * Each round starts fresh servers; a warm-up round of each (not counted) runs first. The machine
 * is shared, so besides wall-clock rates the rows give server CPU time per message, which
 * other load disturbs much less.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import { GroupMessage, SendGroupMessagesRequest, SubscribeGroupMessagesRequest } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { encodeMlsMessage } from 'ts-mls';
import WebSocket from 'ws';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10);
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 4);
// Each round starts fresh servers, whose code warms up inside the run: enough messages that
// this is a small part of it.
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const PAYLOAD = Number(process.env.BENCH_PAYLOAD ?? 256);
/** Rounds alternate baseline and node, so load from elsewhere on the machine hits both alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Also measure the node's gRPC-web listener (HTTP/1.1, one connection per send in flight). */
const WEB = process.env.BENCH_WEB !== '0';
/**
 * BENCH_NODE_CLI_B=/path/to/src/node/cli.ts also runs another build of the node (say a checkout
 * of an older commit, with node_modules linked) in the same rounds: before/after on the same
 * machine state.
 */
const NODE_CLI_B = process.env.BENCH_NODE_CLI_B;
const NODE_CLI = new URL('../src/node/cli.ts', import.meta.url).pathname;

interface Result {
  name: string;
  seconds: number;
  deliveries: number;
  latenciesMs: number[];
  /** CPU seconds used by the server process and by this (client) process during the run. */
  serverCpu: number;
  clientCpu: number;
  /** Writes per SQLite group commit during the run (node only). */
  writesPerCommit?: number;
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks are 100 Hz here). */
function processCpu(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function spawnServer(args: string[]): Promise<{ child: ChildProcess; info: Record<string, number> }> {
  // BENCH_PROFILE=DIR writes a V8 CPU profile of each server to DIR.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<Record<string, number>>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, number>));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, info };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A message body: the sequence number in the first 4 bytes, padded to PAYLOAD. */
function body(seq: number): Uint8Array {
  const b = new Uint8Array(PAYLOAD);
  new DataView(b.buffer).setUint32(0, seq);
  return b;
}

/** Drives `publish` from PUBLISHERS loops with IN_FLIGHT outstanding each, until MESSAGES are sent. */
async function drive(publish: (publisher: number, seq: number) => Promise<void>, sentAt: Float64Array): Promise<void> {
  let next = 0;
  const lane = async (publisher: number) => {
    while (next < MESSAGES) {
      const seq = next++;
      sentAt[seq] = performance.now();
      await publish(publisher, seq);
    }
  };
  await Promise.all(Array.from({ length: PUBLISHERS * IN_FLIGHT }, (_, i) => lane(i % PUBLISHERS)));
}

/** A gRPC length-prefixed message (grpc/grpc doc/PROTOCOL-HTTP2.md). */
function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Splits a gRPC response byte stream into messages. */
function grpcDeframer(onMessage: (m: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const len = pending.readUInt32BE(1);
      if (pending.length < 5 + len) break;
      // gRPC-web trailers travel as a frame with the 0x80 flag (grpc/grpc doc/PROTOCOL-WEB.md).
      if ((pending[0]! & 0x80) === 0) onMessage(pending.subarray(5, 5 + len));
      pending = pending.subarray(5 + len);
    }
  };
}

const GRPC_HEADERS = { ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' };

/** The node's group-commit counters, from its /health endpoint. */
async function commitStats(webPort: number): Promise<{ commits: number; writes: number }> {
  const health = (await (await fetch(`http://127.0.0.1:${webPort}/health`)).json()) as { commits?: number; writes?: number };
  return { commits: health.commits ?? NaN, writes: health.writes ?? NaN };
}

/** How a client reaches the node: subscribe (messages to onData) and send one request. */
interface NodeTransport {
  subscribe(request: Uint8Array, onData: (chunk: Buffer) => void): () => void;
  send(publisher: number, request: Uint8Array): Promise<void>;
  close(): void;
}

const SUBSCRIBE_PATH = '/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages';
const SEND_PATH = '/xmtp.mls.api.v1.MlsApi/SendGroupMessages';

/**
 * Native gRPC: plain node:http2 sessions speaking gRPC framing, one connection per client (as
 * each WebSocket is one connection): as lean as the baseline's ws clients, so the run measures
 * the node rather than a client library (grpc-js costs about as much CPU per message as the
 * server here).
 */
async function grpcTransport(port: number): Promise<NodeTransport> {
  const origin = `http://127.0.0.1:${port}`;
  const session = async (): Promise<ClientHttp2Session> => {
    const s = connect(origin);
    await new Promise((r, j) => s.once('connect', r).once('error', j));
    return s;
  };
  const sessions: ClientHttp2Session[] = [];
  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, session));
  sessions.push(...publishers);
  return {
    subscribe(request, onData) {
      const s = connect(origin);
      sessions.push(s);
      const req = s.request({ ...GRPC_HEADERS, ':path': SUBSCRIBE_PATH });
      req.on('data', onData);
      req.on('error', () => {});
      req.end(grpcFrame(request));
      return () => req.close();
    },
    send: (p, request) =>
      new Promise<void>((resolve, reject) => {
        const req = publishers[p]!.request({ ...GRPC_HEADERS, ':path': SEND_PATH });
        let status: string | undefined;
        req.on('response', (h) => (status = h['grpc-status'] as string | undefined));
        req.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
        req.on('data', () => {});
        req.on('end', () => (status === '0' ? resolve() : reject(new Error(`SendGroupMessages: grpc-status ${status}`))));
        req.on('error', reject);
        req.end(grpcFrame(request));
      }),
    close: () => {
      for (const s of sessions) s.close();
    },
  };
}

/**
 * gRPC-web over HTTP/1.1, as browsers reach the node: no multiplexing, so every send in flight
 * holds its own keep-alive connection (PUBLISHERS x IN_FLIGHT of them).
 */
async function grpcWebTransport(port: number): Promise<NodeTransport> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: PUBLISHERS * IN_FLIGHT });
  const requests: ClientRequest[] = [];
  const post = (path: string, body: Uint8Array, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void): ClientRequest => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path, agent, headers: { 'content-type': 'application/grpc-web+proto', 'content-length': body.length + 5 } },
      onResponse,
    );
    req.on('error', onError);
    req.end(grpcFrame(body));
    return req;
  };
  return {
    subscribe(request, onData) {
      // Streams keep their connection: a separate agent, so sends never queue behind them.
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: SUBSCRIBE_PATH, agent: false, headers: { 'content-type': 'application/grpc-web+proto' } },
        (res) => res.on('data', onData),
      );
      req.on('error', () => {});
      req.end(grpcFrame(request));
      requests.push(req);
      return () => req.destroy();
    },
    send: (_p, request) =>
      new Promise<void>((resolve, reject) => {
        post(
          SEND_PATH,
          request,
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              // grpc-status sits in the headers (trailers-only) or in the trailer frame.
              const status = (res.headers['grpc-status'] as string | undefined) ?? /grpc-status:\s*(\d+)/.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
              if (status === '0') resolve();
              else reject(new Error(`SendGroupMessages (web): grpc-status ${status}`));
            });
          },
          reject,
        );
      }),
    close: () => {
      for (const r of requests) r.destroy();
      agent.destroy();
    },
  };
}

/**
 * Deliveries as they arrive (the raw message and its arrival time) and a promise that resolves
 * once MESSAGES x SUBSCRIBERS have arrived; `sentAt[seq]` is filled in by `drive`. Each side's
 * message is decoded only after the clock stops (`latencies`), as requests are built before it
 * starts: a subscriber decoding each delivery's protobuf inside the run took CPU from the
 * server on this shared machine (ten decodes per message on the node side, a 4-byte read on the
 * baseline's). `latencies` also checks that every message reached every subscriber exactly once.
 */
function deliveryTracker<M>(seqOf: (message: M) => number): {
  sentAt: Float64Array;
  delivered: Promise<void>;
  received(message: M, now: number): void;
  latencies(): number[];
} {
  const sentAt = new Float64Array(MESSAGES);
  const messages: M[] = [];
  const arrivals: number[] = [];
  let allDelivered: () => void = () => {};
  const delivered = new Promise<void>((r) => (allDelivered = r));
  return {
    sentAt,
    delivered,
    received(message, now) {
      arrivals.push(now);
      if (messages.push(message) === MESSAGES * SUBSCRIBERS) allDelivered();
    },
    latencies() {
      const counts = new Uint16Array(MESSAGES);
      const latencies = messages.map((m, i) => {
        const seq = seqOf(m);
        counts[seq] = (counts[seq] ?? 0) + 1;
        return arrivals[i]! - sentAt[seq]!;
      });
      const wrong = counts.findIndex((n) => n !== SUBSCRIBERS);
      if (wrong >= 0) throw new Error(`message ${wrong} reached ${counts[wrong]} of ${SUBSCRIBERS} subscribers`);
      return latencies;
    },
  };
}

async function benchParleyNode(web: boolean, cli = NODE_CLI, label = ''): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const { child, info } = await spawnServer([cli, '--port', '0', '--web-port', '0', '--data-dir', dataDir, '--rate-limit-writes', '0', '--rate-limit-reads', '0', '--log-level', 'warn']);
  const transport = web ? await grpcWebTransport(info.webPort!) : await grpcTransport(info.grpcPort!);
  const groupId = new Uint8Array(16).fill(0x42);
  const wire = (seq: number) =>
    encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: { groupId, epoch: 1n, contentType: 'application', authenticatedData: new Uint8Array(), encryptedSenderData: new Uint8Array(16), ciphertext: body(seq) },
    });
  const seqOf = (data: Uint8Array) => new DataView(data.buffer, data.byteOffset + data.length - PAYLOAD).getUint32(0);

  const { sentAt, delivered, received, latencies } = deliveryTracker<Buffer>((m) => seqOf(GroupMessage.decode(m).v1!.data));

  const subscribeRequest = SubscribeGroupMessagesRequest.encode({ filters: [{ groupId, idCursor: Long.UZERO }] }).finish();
  const unsubscribe = Array.from({ length: SUBSCRIBERS }, () =>
    transport.subscribe(
      subscribeRequest,
      grpcDeframer((m) => received(m, performance.now())),
    ),
  );
  await new Promise((r) => setTimeout(r, 500)); // let every subscription reach live

  // Requests are built before the clock starts, as the baseline's bodies are: the client's MLS
  // and protobuf encoding would otherwise take CPU from the server on this shared machine.
  const requests = Array.from({ length: MESSAGES }, (_, seq) =>
    SendGroupMessagesRequest.encode({ messages: [{ v1: { data: wire(seq), senderHmac: new Uint8Array(), shouldPush: true } }] }).finish(),
  );
  const publish = (p: number, seq: number) => transport.send(p, requests[seq]!);
  const stats0 = await commitStats(info.webPort!);
  const cpu0 = { server: processCpu(child.pid), client: ownCpu() };
  const started = performance.now();
  await drive(publish, sentAt);
  await delivered;
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = processCpu(child.pid) - cpu0.server;
  const clientCpu = ownCpu() - cpu0.client;
  const stats1 = await commitStats(info.webPort!);
  for (const u of unsubscribe) u();
  transport.close();
  await stop(child);
  rmSync(dataDir, { recursive: true, force: true });
  return {
    name: `parley-node${label} (${web ? 'gRPC-web' : 'gRPC'}, SQLite FULL)`,
    seconds,
    deliveries: MESSAGES * SUBSCRIBERS,
    latenciesMs: latencies(),
    serverCpu,
    clientCpu,
    writesPerCommit: (stats1.writes - stats0.writes) / (stats1.commits - stats0.commits),
  };
}

async function benchWsFanout(): Promise<Result> {
  const server = new URL('./nodeBaselineWs.ts', import.meta.url).pathname;
  const { child, info } = await spawnServer([server]);
  const url = `ws://127.0.0.1:${info.port}`;
  const open = async () => {
    const ws = new WebSocket(url);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    return ws;
  };
  const { sentAt, delivered, received, latencies } = deliveryTracker<Buffer>((data) => data.readUInt32BE(0));

  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, open));
  for (const s of subscribers) {
    s.send('sub');
    s.on('message', (data: Buffer) => received(data, performance.now()));
  }
  await new Promise((r) => setTimeout(r, 200));
  // Acks come back in order per connection: a FIFO of waiters per publisher.
  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, open));
  const waiting = publishers.map(() => [] as (() => void)[]);
  publishers.forEach((p, i) => p.on('message', () => waiting[i]!.shift()?.()));
  const bodies = Array.from({ length: MESSAGES }, (_, seq) => body(seq));
  const cpu0 = { server: processCpu(child.pid), client: ownCpu() };
  const started = performance.now();
  await drive(
    (p, seq) =>
      new Promise<void>((resolve) => {
        waiting[p]!.push(resolve);
        publishers[p]!.send(bodies[seq]!, { binary: true });
      }),
    sentAt,
  );
  await delivered;
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = processCpu(child.pid) - cpu0.server;
  const clientCpu = ownCpu() - cpu0.client;
  for (const s of [...subscribers, ...publishers]) s.close();
  await stop(child);
  return { name: 'bare ws fan-out (baseline)', seconds, deliveries: MESSAGES * SUBSCRIBERS, latenciesMs: latencies(), serverCpu, clientCpu };
}

interface Summary {
  name: string;
  messagesPerSec: number;
  deliveriesPerSec: number;
  p50: number;
  p99: number;
  serverCpuPerSec: number;
  clientCpuPerSec: number;
  /** Server CPU time per message (one send and its SUBSCRIBERS deliveries), in µs. */
  serverCpuUsPerMessage: number;
  writesPerCommit?: number;
}

function summary(r: Result): Summary {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return {
    name: r.name,
    messagesPerSec: MESSAGES / r.seconds,
    deliveriesPerSec: r.deliveries / r.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    serverCpuPerSec: r.serverCpu / r.seconds,
    clientCpuPerSec: r.clientCpu / r.seconds,
    serverCpuUsPerMessage: (r.serverCpu / MESSAGES) * 1e6,
    ...(r.writesPerCommit === undefined ? {} : { writesPerCommit: r.writesPerCommit }),
  };
}

/** The median of each figure over the rounds (each figure on its own). */
function median(rounds: Summary[]): Summary {
  const mid = <K extends keyof Summary>(key: K): number => {
    const values = rounds.map((r) => r[key] as number).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)]!;
  };
  return {
    name: rounds[0]!.name,
    messagesPerSec: mid('messagesPerSec'),
    deliveriesPerSec: mid('deliveriesPerSec'),
    p50: mid('p50'),
    p99: mid('p99'),
    serverCpuPerSec: mid('serverCpuPerSec'),
    clientCpuPerSec: mid('clientCpuPerSec'),
    serverCpuUsPerMessage: mid('serverCpuUsPerMessage'),
    ...(rounds[0]!.writesPerCommit === undefined ? {} : { writesPerCommit: mid('writesPerCommit') }),
  };
}

async function main(): Promise<void> {
  console.log(
    `workload: ${SUBSCRIBERS} subscribers, ${PUBLISHERS} publishers x ${IN_FLIGHT} in flight, ${MESSAGES} messages of ${PAYLOAD} B, a warm-up round then ${ROUNDS} alternating rounds (BENCH_* env vars change it)`,
  );
  const row = (s: Summary) =>
    `${s.name.padEnd(38)} ${s.messagesPerSec.toFixed(0).padStart(6)} msg/s ${s.deliveriesPerSec.toFixed(0).padStart(7)} deliveries/s  p50 ${s.p50.toFixed(1).padStart(6)} ms  p99 ${s.p99.toFixed(1).padStart(6)} ms  server ${s.serverCpuUsPerMessage.toFixed(0).padStart(4)} µs CPU/msg  cpu server ${s.serverCpuPerSec.toFixed(2)} client ${s.clientCpuPerSec.toFixed(2)}${s.writesPerCommit === undefined ? '' : `  ${s.writesPerCommit.toFixed(1)} writes/commit`}`;
  const contenders: { run: () => Promise<Result>; rounds: Summary[] }[] = [
    { run: benchWsFanout, rounds: [] },
    { run: () => benchParleyNode(false), rounds: [] },
    ...(WEB ? [{ run: () => benchParleyNode(true), rounds: [] }] : []),
    ...(NODE_CLI_B ? [{ run: () => benchParleyNode(false, NODE_CLI_B, ' B'), rounds: [] }] : []),
  ];
  // Warm-up: the first run of each pays for loading and compiling the code (and the disk cache).
  for (const c of contenders) console.log(`  warm-up: ${row(summary(await c.run()))}`);
  for (let i = 0; i < ROUNDS; i++) {
    for (const c of contenders) {
      const s = summary(await c.run());
      c.rounds.push(s);
      console.log(`  round ${i + 1}: ${row(s)}`);
    }
  }
  const [baseline, ...nodes] = contenders.map((c) => median(c.rounds));
  console.log('medians:');
  console.log(row(baseline!));
  for (const node of nodes) console.log(row(node));
  for (const node of nodes) {
    console.log(
      `ratio ${node.name} / baseline: throughput ${(node.messagesPerSec / baseline!.messagesPerSec).toFixed(2)}x, p50 latency ${(node.p50 / baseline!.p50).toFixed(1)}x, p99 latency ${(node.p99 / baseline!.p99).toFixed(1)}x, server CPU per message ${(node.serverCpuUsPerMessage / baseline!.serverCpuUsPerMessage).toFixed(1)}x`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
