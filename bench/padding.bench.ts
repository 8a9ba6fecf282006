/**
 * `npm run bench:padding`: what Padmé padding of application messages (src/core/mls/padding.ts)
 * costs against no padding, in the same run: bytes the node stores per message and the time of
 * encrypt+send, for a chat-like mix of lengths (mostly short texts, some paragraphs, a few long
 * pastes). Two senders, one padded and one not, each in a DM to the same reader on an in-process
 * parley-node; sends alternate between them so that load hits both alike. The reader must read
 * every text of both, or the bench fails (a fast wrong result cannot print). Asserts nothing
 * about time.
 */
import { decodeMlsMessage } from 'ts-mls';
import { createGrpcWebApi } from '../src/core/api';
import { Client, createMemoryStore } from '../src/core/client';
import { generateWalletPrivateKey, privateKeySigner, VerifiedSignatureCache } from '../src/core/identity';
import type { PaddingPolicy } from '../src/core/mls/padding';
import { startTestNode } from '../test/node/helpers';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
/** Lengths in characters: a chat's mix, short ones first in number. */
const LENGTHS = [1, 2, 5, 12, 20, 35, 48, 60, 80, 120, 160, 240, 400, 700, 1_200, 3_000, 9_000, 30_000];

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const node = await startTestNode({ shutdownGraceMs: 500 });
  const url = `http://127.0.0.1:${node.webPort}`;
  const api = () => createGrpcWebApi({ url });
  const make = (padding: PaddingPolicy) =>
    Client.create(privateKeySigner(generateWalletPrivateKey()), { api: api(), store: createMemoryStore(), padding, signatureCache: new VerifiedSignatureCache() });
  const [padded, plain, reader] = await Promise.all([make('padme'), make('none'), make('none')]);
  const readerAddress = reader.accountIdentifier.identifier;
  const senders = { padme: { client: padded, ms: [] as number[] }, none: { client: plain, ms: [] as number[] } };
  const dms = { padme: await padded.conversations.createDm(readerAddress), none: await plain.conversations.createDm(readerAddress) };
  const sent: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, length] of LENGTHS.entries()) {
      const text = `${round}:${i}:`.padEnd(length, 'm');
      sent.push(text);
      // Alternate which policy goes first, so neither always runs warm after the other.
      const order: PaddingPolicy[] = (round + i) % 2 === 0 ? ['padme', 'none'] : ['none', 'padme'];
      for (const policy of order) {
        const start = performance.now();
        await dms[policy].sendText(text);
        senders[policy].ms.push(performance.now() - start);
      }
    }
  }

  await reader.conversations.sync();
  const bytes: Record<PaddingPolicy, number[]> = { padme: [], none: [] };
  for (const policy of ['padme', 'none'] as const) {
    const dm = await reader.conversations.getConversationById(dms[policy].id);
    if (dm === undefined) throw new Error(`the reader did not join the ${policy} DM`);
    await dm.sync();
    const read = (await dm.messages()).flatMap((m) => (m.content?.type === 'text' ? [m.content.text] : []));
    if (read.join('\n') !== sent.join('\n')) throw new Error(`the reader read ${read.length} of ${sent.length} ${policy} texts, or not in order`);
    const { messages } = await api().queryGroupMessages({ groupId: Buffer.from(dm.id, 'hex'), pagingInfo: undefined });
    // Newest first from the node; oldest first here, as sent.
    for (const m of [...messages].reverse()) {
      const [decoded] = decodeMlsMessage(m.v1!.data, 0) ?? [];
      if (decoded?.wireformat === 'mls_private_message' && decoded.privateMessage.contentType === 'application') bytes[policy].push(m.v1!.data.length);
    }
  }
  for (const client of [padded, plain, reader]) client.close();
  await node.stop();

  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const short = (xs: number[]) => xs.filter((_, i) => LENGTHS[i % LENGTHS.length]! <= 60);
  const rows = [
    ['bytes stored / message, mean', (total(bytes.padme) / bytes.padme.length).toFixed(0), (total(bytes.none) / bytes.none.length).toFixed(0)],
    ['bytes stored, all messages', String(total(bytes.padme)), String(total(bytes.none))],
    ['distinct sizes the node saw', String(new Set(bytes.padme).size), String(new Set(bytes.none).size)],
    ['distinct sizes, texts ≤ 60 chars', String(new Set(short(bytes.padme)).size), String(new Set(short(bytes.none)).size)],
    ['encrypt+send ms, median', median(senders.padme.ms).toFixed(2), median(senders.none.ms).toFixed(2)],
  ];
  console.log(`\nPadmé padding vs none — ${sent.length} texts each (${LENGTHS.length} lengths × ${ROUNDS}), in-process parley-node, node ${process.version}`);
  const widths = [34, 12, 12, 8];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(['', 'padded', 'unpadded', 'ratio']));
  for (const [name, a, b] of rows) console.log(line([name!, a!, b!, `${(Number(a) / Number(b)).toFixed(2)}×`]));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
