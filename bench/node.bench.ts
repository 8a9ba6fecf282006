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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type ClientHttp2Session } from 'node:http2';
import { GroupMessage, SendGroupMessagesRequest, SubscribeGroupMessagesRequest } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { encodeMlsMessage } from 'ts-mls';
import WebSocket from 'ws';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10);
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 4);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 4000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const PAYLOAD = Number(process.env.BENCH_PAYLOAD ?? 256);
/** Rounds alternate baseline and node, so load from elsewhere on the machine hits both alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Result {
  name: string;
  seconds: number;
  deliveries: number;
  latenciesMs: number[];
  /** CPU seconds used by the server process and by this (client) process during the run. */
  serverCpu: number;
  clientCpu: number;
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
      onMessage(pending.subarray(5, 5 + len));
      pending = pending.subarray(5 + len);
    }
  };
}

const GRPC_HEADERS = { ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' };

/**
 * The node's clients are plain node:http2 sessions speaking gRPC framing, one connection each
 * (as each WebSocket is one connection): as lean as the baseline's ws clients, so the run
 * measures the node rather than a client library (grpc-js costs about as much CPU per message
 * as the server here).
 */
async function benchParleyNode(): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const cli = new URL('../src/node/cli.ts', import.meta.url).pathname;
  const { child, info } = await spawnServer([cli, '--port', '0', '--web-port', '0', '--data-dir', dataDir, '--rate-limit-writes', '0', '--rate-limit-reads', '0', '--log-level', 'warn']);
  const origin = `http://127.0.0.1:${info.grpcPort}`;
  const session = async (): Promise<ClientHttp2Session> => {
    const s = connect(origin);
    await new Promise((r, j) => s.once('connect', r).once('error', j));
    return s;
  };
  const groupId = new Uint8Array(16).fill(0x42);
  const wire = (seq: number) =>
    encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: { groupId, epoch: 1n, contentType: 'application', authenticatedData: new Uint8Array(), encryptedSenderData: new Uint8Array(16), ciphertext: body(seq) },
    });
  const seqOf = (data: Uint8Array) => new DataView(data.buffer, data.byteOffset + data.length - PAYLOAD).getUint32(0);

  const sentAt = new Float64Array(MESSAGES);
  const latencies: number[] = [];
  const counts = new Uint16Array(MESSAGES);
  let complete = 0;
  let allDelivered: () => void = () => {};
  const delivered = new Promise<void>((r) => (allDelivered = r));

  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, session));
  const streams = subscribers.map((s) => {
    const req = s.request({ ...GRPC_HEADERS, ':path': '/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages' });
    req.on(
      'data',
      grpcDeframer((m) => {
        const now = performance.now();
        const seq = seqOf(GroupMessage.decode(m).v1!.data);
        latencies.push(now - sentAt[seq]!);
        counts[seq] = (counts[seq] ?? 0) + 1;
        if (counts[seq] === SUBSCRIBERS && ++complete === MESSAGES) allDelivered();
      }),
    );
    req.on('error', () => {});
    req.end(grpcFrame(SubscribeGroupMessagesRequest.encode({ filters: [{ groupId, idCursor: Long.UZERO }] }).finish()));
    return req;
  });
  await new Promise((r) => setTimeout(r, 500)); // let every subscription reach live

  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, session));
  const publish = (p: number, seq: number) =>
    new Promise<void>((resolve, reject) => {
      const req = publishers[p]!.request({ ...GRPC_HEADERS, ':path': '/xmtp.mls.api.v1.MlsApi/SendGroupMessages' });
      let status: string | undefined;
      req.on('response', (h) => (status = h['grpc-status'] as string | undefined));
      req.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      req.on('data', () => {});
      req.on('end', () => (status === '0' ? resolve() : reject(new Error(`SendGroupMessages: grpc-status ${status}`))));
      req.on('error', reject);
      req.end(grpcFrame(SendGroupMessagesRequest.encode({ messages: [{ v1: { data: wire(seq), senderHmac: new Uint8Array(), shouldPush: true } }] }).finish()));
    });
  const cpu0 = { server: processCpu(child.pid), client: ownCpu() };
  const started = performance.now();
  await drive(publish, sentAt);
  await delivered;
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = processCpu(child.pid) - cpu0.server;
  const clientCpu = ownCpu() - cpu0.client;
  for (const s of streams) s.close();
  for (const s of [...subscribers, ...publishers]) s.close();
  await stop(child);
  rmSync(dataDir, { recursive: true, force: true });
  return { name: 'parley-node (gRPC, SQLite FULL)', seconds, deliveries: MESSAGES * SUBSCRIBERS, latenciesMs: latencies, serverCpu, clientCpu };
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
  const sentAt = new Float64Array(MESSAGES);
  const latencies: number[] = [];
  const counts = new Uint16Array(MESSAGES);
  let complete = 0;
  let allDelivered: () => void = () => {};
  const delivered = new Promise<void>((r) => (allDelivered = r));

  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, open));
  for (const s of subscribers) {
    s.send('sub');
    s.on('message', (data: Buffer) => {
      const now = performance.now();
      const seq = data.readUInt32BE(0);
      latencies.push(now - sentAt[seq]!);
      counts[seq] = (counts[seq] ?? 0) + 1;
        if (counts[seq] === SUBSCRIBERS && ++complete === MESSAGES) allDelivered();
    });
  }
  await new Promise((r) => setTimeout(r, 200));
  // Acks come back in order per connection: a FIFO of waiters per publisher.
  const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, open));
  const waiting = publishers.map(() => [] as (() => void)[]);
  publishers.forEach((p, i) => p.on('message', () => waiting[i]!.shift()?.()));
  const cpu0 = { server: processCpu(child.pid), client: ownCpu() };
  const started = performance.now();
  await drive(
    (p, seq) =>
      new Promise<void>((resolve) => {
        waiting[p]!.push(resolve);
        publishers[p]!.send(body(seq), { binary: true });
      }),
    sentAt,
  );
  await delivered;
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = processCpu(child.pid) - cpu0.server;
  const clientCpu = ownCpu() - cpu0.client;
  for (const s of [...subscribers, ...publishers]) s.close();
  await stop(child);
  return { name: 'bare ws fan-out (baseline)', seconds, deliveries: MESSAGES * SUBSCRIBERS, latenciesMs: latencies, serverCpu, clientCpu };
}

interface Summary {
  name: string;
  messagesPerSec: number;
  deliveriesPerSec: number;
  p50: number;
  p99: number;
  serverCpuPerSec: number;
  clientCpuPerSec: number;
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
  };
}

/** The round with the median throughput. */
function median(rounds: Summary[]): Summary {
  const sorted = [...rounds].sort((a, b) => a.messagesPerSec - b.messagesPerSec);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  console.log(
    `workload: ${SUBSCRIBERS} subscribers, ${PUBLISHERS} publishers x ${IN_FLIGHT} in flight, ${MESSAGES} messages of ${PAYLOAD} B, ${ROUNDS} alternating rounds (BENCH_* env vars change it)`,
  );
  const row = (s: Summary) =>
    `${s.name.padEnd(32)} ${s.messagesPerSec.toFixed(0).padStart(6)} msg/s ${s.deliveriesPerSec.toFixed(0).padStart(7)} deliveries/s  p50 ${s.p50.toFixed(1).padStart(6)} ms  p99 ${s.p99.toFixed(1).padStart(6)} ms  cpu server ${s.serverCpuPerSec.toFixed(2)} client ${s.clientCpuPerSec.toFixed(2)}`;
  const baselineRounds: Summary[] = [];
  const nodeRounds: Summary[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    baselineRounds.push(summary(await benchWsFanout()));
    console.log(`  round ${i + 1}: ${row(baselineRounds[i]!)}`);
    nodeRounds.push(summary(await benchParleyNode()));
    console.log(`  round ${i + 1}: ${row(nodeRounds[i]!)}`);
  }
  const baseline = median(baselineRounds);
  const node = median(nodeRounds);
  console.log('median rounds:');
  console.log(row(baseline));
  console.log(row(node));
  console.log(
    `ratio parley-node / baseline: throughput ${(node.messagesPerSec / baseline.messagesPerSec).toFixed(2)}x, p50 latency ${(node.p50 / baseline.p50).toFixed(1)}x, p99 latency ${(node.p99 / baseline.p99).toFixed(1)}x`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
