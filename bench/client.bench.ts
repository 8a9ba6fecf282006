/**
 * `npm run bench:client`: Parley's client engine (src/core/client) against raw ts-mls measured in
 * the same run on the same machine, for groups of 2, 50 and 250 members: encrypt+send and
 * receive+decrypt per message, DM creation, and adding one member.
 *
 * Parley: two Clients (memory stores) over gRPC-web to an in-process parley-node (SQLite, every
 * write durable before its ack), the other members registered inboxes that never come online.
 * "network" is the engine's whole path; "local" is the same engine with group messages kept in
 * memory instead of the node (bench/clientLocalApi.ts), so the network's share is the difference.
 * Raw: the same MLS operations called directly on ts-mls (bench/clientRawMls.ts).
 * Raw and Parley steps interleave, in an order that cycles so that neither side's step always
 * follows its own (a step right after a similar one runs warm), and load from elsewhere on the
 * machine hits both alike.
 * Prints a table; asserts nothing about time.
 */
import { createGrpcWebApi } from '../src/core/api';
import { Client, createMemoryStore, type Conversation } from '../src/core/client';
import { encodeContent, encodeEncodedContent, encodePlaintextEnvelope, idempotencyKeyFromNs } from '../src/core/content';
import { generateWalletPrivateKey, privateKeySigner, VerifiedSignatureCache } from '../src/core/identity';
import { getXmtpCiphersuiteImpl } from '../src/core/mls/ciphersuite';
import { startTestNode } from '../test/node/helpers';
import { LocalGroupLog, withLocalGroupLog } from './clientLocalApi';
import { rawAdd, rawCreateDm, rawDecrypt, rawEncrypt, rawGroup, rawMember, rawProcessCommit, type RawMember } from './clientRawMls';

const SIZES = (process.env.BENCH_SIZES ?? '2,50,250').split(',').map(Number);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ADDS = Number(process.env.BENCH_ADDS ?? 3);
const DMS = Number(process.env.BENCH_DMS ?? 5);
const REGISTER_CONCURRENCY = 8;

interface Row {
  operation: string;
  members: string;
  /** The group's history when measured: it decides how much past-epoch state members keep. */
  state: string;
  raw: number[];
  network: number[];
  local?: number[];
  /** Raw samples taken alongside `local` (that phase runs later, under whatever load the machine has then). */
  rawLocal?: number[];
}

const rows: Row[] = [];

function progress(line: string): void {
  process.stderr.write(`[bench:client] ${line}\n`);
}

async function timed<T>(samples: number[] | undefined, task: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await task();
  samples?.push(performance.now() - start);
  return result;
}

/** Runs `task` for each item, `limit` at a time. */
async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  }));
  return out;
}

function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The plaintext Parley encrypts for a text message, so raw ts-mls encrypts as many bytes. */
function envelopeFor(text: string): Uint8Array {
  return encodePlaintextEnvelope(encodeEncodedContent(encodeContent({ type: 'text', text })), idempotencyKeyFromNs(BigInt(Date.now()) * 1_000_000n));
}

function lastText(messages: Awaited<ReturnType<Conversation['messages']>>): string | undefined {
  const content = messages.filter((m) => m.kind === 'application').at(-1)?.content;
  return content?.type === 'text' ? content.text : undefined;
}

async function main(): Promise<void> {
  const started = performance.now();
  const node = await startTestNode({ shutdownGraceMs: 500 });
  const url = `http://127.0.0.1:${node.webPort}`;
  const log = new LocalGroupLog();
  const cs = await getXmtpCiphersuiteImpl();
  const clients: Client[] = [];
  const newClient = async (): Promise<Client> => {
    const client = await Client.create(privateKeySigner(generateWalletPrivateKey()), {
      api: withLocalGroupLog(createGrpcWebApi({ url }), log),
      store: createMemoryStore(),
      // Each client stands for its own device: one process-wide cache would let Bob find
      // Alice's checks of the same members' signatures.
      signatureCache: new VerifiedSignatureCache(),
    });
    clients.push(client);
    return client;
  };

  try {
    // Everyone's key packages are made (and, for Parley, registered) once: XMTP key packages
    // are last-resort, so one serves every group a member is added to.
    const largest = Math.max(...SIZES);
    const idle = Math.max(0, largest - 2);
    progress(`registering ${2 + idle + ADDS + DMS} Parley inboxes on the node, making as many raw key packages`);
    let t = performance.now();
    const [alice, bob] = [await newClient(), await newClient()];
    const others = await inBatches(Array.from({ length: idle + ADDS + DMS }), REGISTER_CONCURRENCY, () => newClient());
    const idleInboxes = others.slice(0, idle).map((c) => c.inboxId);
    const joiners = others.slice(idle, idle + ADDS).map((c) => c.inboxId);
    const dmPeers = others.slice(idle + ADDS).map((c) => c.inboxId);
    const registerSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const rawAlice = await rawMember();
    const rawBob = await rawMember();
    const rawOthers: RawMember[] = [];
    for (let i = 0; i < idle + ADDS + DMS; i++) rawOthers.push(await rawMember());
    const rawIdle = rawOthers.slice(0, idle);
    const rawJoiners = rawOthers.slice(idle, idle + ADDS);
    // A throwaway exchange first, so that the first measured group does not pay for JIT warm-up.
    {
      const warm = await alice.conversations.createGroup([bob.inboxId]);
      const warmJoined = (await bob.conversations.sync()).find((c) => c.id === warm.id);
      let warmRaw = await rawGroup(cs, rawAlice, rawBob, []);
      for (let i = 0; i < 20; i++) {
        const encrypted = await rawEncrypt(cs, warmRaw.sender, envelopeFor(`warm-up ${i}`));
        warmRaw = { sender: encrypted.state, receiver: (await rawDecrypt(cs, warmRaw.receiver, encrypted.wire)).state };
        await warm.sendText(`warm-up ${i}`);
        await warmJoined?.sync();
      }
    }
    const rawDmPeers = rawOthers.slice(idle + ADDS);
    progress(`setup: Parley registrations ${registerSeconds.toFixed(1)} s, raw key packages ${((performance.now() - t) / 1000).toFixed(1)} s`);

    for (const size of SIZES) {
      const members = String(size);
      const created: Row = { operation: 'group creation', members, state: 'new', raw: [], network: [] };
      const { group, joined } = await timed(created.network, async () => {
        const made = await alice.conversations.createGroup([bob.inboxId, ...idleInboxes.slice(0, size - 2)]);
        const [bobsCopy] = (await bob.conversations.sync()).filter((c) => c.id === made.id);
        if (bobsCopy === undefined) throw new Error(`bob did not join the ${size}-member group`);
        return { group: made, joined: bobsCopy };
      });
      if (group.kind !== 'group') throw new Error('createGroup made no group');
      let raw = await timed(created.raw, () => rawGroup(cs, rawAlice, rawBob, rawIdle.slice(0, size - 2)));
      progress(`${size} members: group made and joined by Parley in ${(created.network[0]! / 1000).toFixed(1)} s, raw in ${(created.raw[0]! / 1000).toFixed(1)} s`);

      const messageRows = (state: string, withLocal: boolean) => ({
        send: { operation: 'encrypt+send / message', members, state, raw: [], network: [], ...(withLocal ? { local: [], rawLocal: [] } : {}) } as Row,
        receive: { operation: 'receive+decrypt / message', members, state, raw: [], network: [], ...(withLocal ? { local: [], rawLocal: [] } : {}) } as Row,
      });
      const fresh = messageRows('epoch 1', false);
      const later = messageRows(`after ${ADDS} commits`, true);
      const add: Row = { operation: '1-member add', members, state: 'epoch 1 on', raw: [], network: [] };

      // One message at a time, as a chat goes: the sender sends, the receiver syncs it. Both sides
      // send, then both receive, and which side goes first cycles through the four orders (sends
      // and receives independently), so each side's steps follow the other side's as often as
      // their own. In a fixed raw-then-Parley order, raw decrypted right after encrypting the same
      // message and ran warm: the same ts-mls call took ~10% longer inside Parley's sync than right
      // after rawEncrypt, which the table then counted as Parley's overhead.
      let sent = 0;
      const exchanges = async (rowsFor: { send: Row; receive: Row }, phase: 'network' | 'local') => {
        // The local phase compares against raw samples of its own time, not of the network phase's.
        const rawSamples = (row: Row) => (phase === 'local' ? row.rawLocal : row.raw);
        let text = '';
        for (let i = 0; i < WARMUP + MESSAGES; i++) {
          const measured = i >= WARMUP;
          text = `message ${sent++} in the ${size}-member group`;
          const plaintext = envelopeFor(text);
          let wire: Uint8Array | undefined;
          const rawSend = async () => {
            const encrypted = await timed(measured ? rawSamples(rowsFor.send) : undefined, () => rawEncrypt(cs, raw.sender, plaintext));
            raw = { ...raw, sender: encrypted.state };
            wire = encrypted.wire;
          };
          const rawReceive = async () => {
            if (wire === undefined) throw new Error('raw receive before raw send');
            const encrypted = wire;
            const decrypted = await timed(measured ? rawSamples(rowsFor.receive) : undefined, () => rawDecrypt(cs, raw.receiver, encrypted));
            raw = { ...raw, receiver: decrypted.state };
          };
          const parleySend = () => timed(measured ? rowsFor.send[phase] : undefined, () => group.sendText(text));
          const parleyReceive = () => timed(measured ? rowsFor.receive[phase] : undefined, () => joined.sync());
          const sends = i % 2 === 0 ? [rawSend, parleySend] : [parleySend, rawSend];
          const receives = (i >> 1) % 2 === 0 ? [rawReceive, parleyReceive] : [parleyReceive, rawReceive];
          for (const step of [...sends, ...receives]) await step();
        }
        if (lastText(await joined.messages()) !== text) throw new Error(`bob did not read "${text}" (${phase})`);
      };
      await exchanges(fresh, 'network');

      // Adds on the same group, which grows by one each time on both sides. Each commit also
      // leaves one more past epoch (up to 3) in every member's state.
      await group.sync();
      for (let j = 0; j < ADDS; j++) {
        const commit = await timed(add.raw, () => rawAdd(cs, raw.sender, rawJoiners[j]!));
        raw = { sender: commit.state, receiver: await rawProcessCommit(cs, raw.receiver, commit.wire) };
        await timed(add.network, () => group.addMembersByInboxId([joiners[j]!]));
      }
      await joined.sync();
      await exchanges(later, 'network');

      // The same exchange with group messages kept in memory: the engine without the network.
      log.start(Uint8Array.from(Buffer.from(group.id, 'hex')));
      try {
        await exchanges(later, 'local');
      } finally {
        log.mode = 'network';
      }
      rows.push(created, fresh.send, fresh.receive, add, later.send, later.receive);
    }

    const dm: Row = { operation: 'DM creation', members: '2', state: 'new', raw: [], network: [] };
    for (let k = 0; k < DMS; k++) {
      await timed(dm.raw, () => rawCreateDm(cs, rawDmPeers[k]!));
      await timed(dm.network, () => alice.conversations.createDm(dmPeers[k]!));
    }
    rows.push(dm);
  } finally {
    for (const client of clients) client.close();
    await node.stop();
  }
  printTable((performance.now() - started) / 1000);
}

function printTable(seconds: number): void {
  const ms = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(2));
  const ratio = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}×`);
  const header = ['operation', 'members', 'group', 'raw ts-mls ms', 'Parley ms', '× raw', 'raw, local phase', 'Parley local ms', '× raw', 'runs'];
  const lines = rows.map((r) => {
    const raw = median(r.raw);
    const net = median(r.network);
    const local = r.local === undefined ? NaN : median(r.local);
    const rawLocal = r.rawLocal === undefined ? NaN : median(r.rawLocal);
    return [r.operation, r.members, r.state, ms(raw), ms(net), ratio(net, raw), ms(rawLocal), ms(local), ratio(local, rawLocal), String(r.network.length)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\nParley client engine vs raw ts-mls 1.6.4 — medians; node ${process.version}, in-process parley-node on SQLite, memory stores`);
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  console.log(`\n"Parley" is the whole engine path over gRPC-web to the node (send: until the node acknowledged; receive: one sync`);
  console.log(`that fetches and applies the message); "local" keeps group messages in memory instead. Goal for messages: ≤ 1.3× raw.`);
  console.log(`Run took ${seconds.toFixed(0)} s.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
