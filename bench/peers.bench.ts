/**
 * `npm run bench:peers`: Parley's Node core against unmodified @xmtp/node-sdk 6.0.0 (libxmtp,
 * native) on one parley-node, in the same run, on the lines XMTP's users complain about: client
 * creation and registration, DM creation with its first send, group creation at 10/50/250
 * members, adding one member to the largest group, sending in it, and a newcomer's cold sync of
 * 100 groups × 20 messages. Both clients talk to the node over the network (Parley over
 * gRPC-web with a memory store; node-sdk over native gRPC with its SQLite); node-sdk's times are
 * taken inside its own process (test/interop/peer/driver.mjs), so the pipe to it is left out.
 * Members that never come online are inboxes registered beforehand. Every line checks its result
 * (members in the group, every message read) so a fast wrong answer cannot print; nothing here
 * asserts a time. Prints a table with medians and the ratio Parley / node-sdk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, createMemoryStore, type Group } from '../src/core/client';
import { generateWalletPrivateKey, privateKeySigner, VerifiedSignatureCache } from '../src/core/identity';
import { ParleyNode } from '../test/interop/parleyNode';
import { Peer } from '../test/interop/peer';
import { newPeerIdentity } from '../test/interop/peerIdentity';
import { requireInteropEnv } from '../test/interop/testEnv';

const SIZES = (process.env.BENCH_SIZES ?? '10,50,250').split(',').map(Number);
const [SYNC_GROUPS, SYNC_MESSAGES] = (process.env.BENCH_SYNC ?? '100x20').split('x').map(Number) as [number, number];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SENDS = Number(process.env.BENCH_SENDS ?? 10);
const STREAM_MESSAGES = Number(process.env.BENCH_STREAM ?? 30);
const REGISTER_CONCURRENCY = 8;

interface Row {
  operation: string;
  parley: number[];
  sdk: number[];
}
const rows: Row[] = [];
const progress = (line: string) => process.stderr.write(`[bench:peers] ${line}\n`);

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timed<T>(samples: number[], task: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await task();
  samples.push(performance.now() - start);
  return result;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`wrong result: ${what}`);
}

async function main(): Promise<void> {
  requireInteropEnv();
  const work = mkdtempSync(join(tmpdir(), 'parley-bench-peers-'));
  // One loopback client sends thousands of messages here: the node's per-client budgets would stop it.
  const node = await ParleyNode.start({ extraArgs: ['--rate-limit-writes', '0', '--rate-limit-reads', '0', '--rate-limit-write-bytes', '0'] });
  const peers: Peer[] = [];
  const clients: Client[] = [];
  const parleyClient = async (privateKey = generateWalletPrivateKey(), store = createMemoryStore()) => {
    const client = await Client.create(privateKeySigner(privateKey), { apiUrl: node.webUrl, store, signatureCache: new VerifiedSignatureCache() });
    clients.push(client);
    return client;
  };
  const sdkClient = async (name: string, samples?: number[]) => {
    const identity = newPeerIdentity();
    const peer = Peer.spawn(name, { commandTimeoutMs: 600_000 });
    peers.push(peer);
    const { result, ms } = await peer.callTimed<{ inboxId: string }>('create', {
      privateKey: identity.privateKey,
      apiUrl: node.apiUrl,
      dbPath: join(work, `${name}.db3`),
      dbEncryptionKey: identity.dbEncryptionKey,
      loggingLevel: 'Off',
    });
    samples?.push(ms);
    return { peer, inboxId: result.inboxId };
  };

  try {
    const started = performance.now();
    // Members who never come online: registered inboxes with key packages on the node.
    const largest = Math.max(...SIZES);
    const memberCount = largest + RUNS * 2 + 1;
    const members: string[] = [];
    for (let i = 0; i < memberCount; i += REGISTER_CONCURRENCY) {
      const batch = await Promise.all(Array.from({ length: Math.min(REGISTER_CONCURRENCY, memberCount - i) }, () => parleyClient()));
      for (const c of batch) {
        members.push(c.inboxId);
        c.close();
      }
    }
    progress(`${members.length} member inboxes registered`);

    const creation: Row = { operation: 'client creation + registration', parley: [], sdk: [] };
    rows.push(creation);
    let parley!: Client;
    let sdk!: { peer: Peer; inboxId: string };
    for (let run = 0; run < RUNS; run++) {
      parley = await timed(creation.parley, () => parleyClient());
      sdk = await sdkClient(`sdk-${run}`, creation.sdk);
    }
    progress('client creation done');

    const dm: Row = { operation: 'DM creation + first send', parley: [], sdk: [] };
    rows.push(dm);
    for (let run = 0; run < RUNS; run++) {
      const [forParley, forSdk] = [members[largest + 2 * run]!, members[largest + 2 * run + 1]!];
      await timed(dm.parley, async () => {
        const conversation = await parley.conversations.createDm(forParley);
        await conversation.sendText('gm');
      });
      const created = await sdk.peer.callTimed<{ id: string; peerInboxId: string }>('newDm', { inboxId: forSdk });
      check(created.result.peerInboxId === forSdk, 'node-sdk DM peer');
      const sent = await sdk.peer.callTimed<string>('send', { conversationId: created.result.id, text: 'gm' });
      dm.sdk.push(created.ms + sent.ms);
    }
    progress('DMs done');

    // Send → receive between two users of each kind: the receiver streams, the sender sends one
    // message at a time. node-sdk's side counts from half the pipe's round trip after the send
    // left this process, so the pipe is not held against it.
    const latency: Row = { operation: 'send → receive over a stream, DM', parley: [], sdk: [] };
    rows.push(latency);
    const receiver = await parleyClient();
    const arrived = new Map<string, number>();
    const stream = receiver.conversations.streamAllMessages();
    void (async () => {
      for await (const m of stream) if (m.content?.type === 'text') arrived.set(m.content.text, performance.now());
    })();
    const sdkReceiver = await sdkClient('sdk-receiver');
    await sdkReceiver.peer.call('startStream', { retryDelayMs: 100 });
    const parleyDm = await parley.conversations.createDm(receiver.inboxId);
    const sdkDm = await sdk.peer.call<{ id: string }>('newDm', { inboxId: sdkReceiver.inboxId });
    const wait = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`wrong result: ${what} never arrived`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    for (let i = -3; i < STREAM_MESSAGES; i++) {
      const text = `latency ${i}`;
      const start = performance.now();
      await parleyDm.sendText(text);
      const at = await wait(`Parley's "${text}"`, () => arrived.get(text));
      const startMs = Date.now();
      const sent = await sdk.peer.callTimed<string>('send', { conversationId: sdkDm.id, text });
      const pipeMs = Date.now() - startMs - sent.ms;
      const got = await wait(`node-sdk's "${text}"`, async () =>
        (await sdkReceiver.peer.call<{ messages: { id: string; receivedAtMs?: number }[] }>('streamed')).messages.find((m) => m.id === sent.result)?.receivedAtMs,
      );
      // The first few warm both paths up.
      if (i < 0) continue;
      latency.parley.push(at - start);
      latency.sdk.push(got - (startMs + pipeMs / 2));
    }
    await stream.return();
    progress('stream latency done');

    let parleyGroup!: Group;
    let sdkGroupId = '';
    for (const size of SIZES) {
      const row: Row = { operation: `group creation, ${size} members`, parley: [], sdk: [] };
      rows.push(row);
      const others = members.slice(0, size - 1);
      for (let run = 0; run < (size >= 250 ? 1 : RUNS); run++) {
        parleyGroup = await timed(row.parley, () => parley.conversations.createGroup(others));
        check((await parleyGroup.members()).length === size, `Parley group of ${size}`);
        const created = await sdk.peer.callTimed<{ id: string }>('newGroup', { inboxIds: others });
        row.sdk.push(created.ms);
        sdkGroupId = created.result.id;
        check((await sdk.peer.call<unknown[]>('members', { conversationId: sdkGroupId })).length === size, `node-sdk group of ${size}`);
      }
      progress(`groups of ${size} done`);
    }

    const spare = members[memberCount - 1]!;
    const add: Row = { operation: `add one member to a ${largest}-member group`, parley: [], sdk: [] };
    rows.push(add);
    await timed(add.parley, () => parleyGroup.addMembersByInboxId([spare]));
    check((await parleyGroup.members()).length === largest + 1, 'Parley add');
    add.sdk.push((await sdk.peer.callTimed('addMembers', { conversationId: sdkGroupId, inboxIds: [spare] })).ms);
    check((await sdk.peer.call<unknown[]>('members', { conversationId: sdkGroupId })).length === largest + 1, 'node-sdk add');

    const send: Row = { operation: `send in a ${largest + 1}-member group`, parley: [], sdk: [] };
    rows.push(send);
    for (let i = 0; i < SENDS; i++) {
      await timed(send.parley, () => parleyGroup.sendText(`message ${i}`));
      send.sdk.push((await sdk.peer.callTimed('send', { conversationId: sdkGroupId, text: `message ${i}` })).ms);
    }
    progress('adds and sends done');

    // A newcomer, registered and idle while SYNC_GROUPS groups of SYNC_MESSAGES messages are made for it.
    const newcomer = await parleyClient();
    const sdkNewcomer = await sdkClient('sdk-newcomer');
    for (let g = 0; g < SYNC_GROUPS; g++) {
      const group = await parley.conversations.createGroup([newcomer.inboxId]);
      const sdkCreated = await sdk.peer.call<{ id: string }>('newGroup', { inboxIds: [sdkNewcomer.inboxId] });
      for (let m = 0; m < SYNC_MESSAGES; m++) {
        await group.sendText(`g${g} m${m}`);
        await sdk.peer.call('send', { conversationId: sdkCreated.id, text: `g${g} m${m}` });
      }
    }
    progress(`${SYNC_GROUPS} × ${SYNC_MESSAGES} sent on both sides`);
    const sync: Row = { operation: `cold sync, ${SYNC_GROUPS} groups × ${SYNC_MESSAGES} messages`, parley: [], sdk: [] };
    rows.push(sync);
    const read = await timed(sync.parley, async () => {
      await newcomer.conversations.syncAll();
      let texts = 0;
      const list = await newcomer.conversations.list();
      for (const c of list) texts += (await c.messages()).filter((m) => m.content?.type === 'text').length;
      return { conversations: list.length, texts };
    });
    check(read.conversations === SYNC_GROUPS && read.texts === SYNC_GROUPS * SYNC_MESSAGES, `Parley newcomer read ${JSON.stringify(read)}`);
    const sdkRead = await sdkNewcomer.peer.callTimed<{ conversations: number; messages: number }>('syncAndCount');
    check(sdkRead.result.conversations === SYNC_GROUPS && sdkRead.result.messages >= SYNC_GROUPS * SYNC_MESSAGES, `node-sdk newcomer read ${JSON.stringify(sdkRead.result)}`);
    sync.sdk.push(sdkRead.ms);

    printTable((performance.now() - started) / 1000);
  } finally {
    for (const c of clients) c.close();
    await Promise.all(peers.map((p) => p.kill()));
    await node.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function printTable(seconds: number): void {
  const header = ['operation', 'Parley ms', 'node-sdk ms', 'Parley / node-sdk', 'runs'];
  const lines = rows.flatMap((r) => {
    const line = (name: string, p: number, s: number) => [name, p.toFixed(1), s.toFixed(1), `${(p / s).toFixed(2)}×`, String(r.parley.length)];
    const out = [line(r.operation + (r.parley.length >= 20 ? ', p50' : ''), median(r.parley), median(r.sdk))];
    if (r.parley.length >= 20) out.push(line(`${r.operation}, p99`, percentile(r.parley, 0.99), percentile(r.sdk, 0.99)));
    return out;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\nParley Node core vs @xmtp/node-sdk 6.0.0 on one parley-node — medians; node ${process.version}`);
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  console.log(`\nGoal (issue 13): ≤ 1.0× on every line. Run took ${seconds.toFixed(0)} s.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
