/**
 * `npx tsx bench/receiveCosts.ts`: three per-message costs of src/core on the extension's
 * receive path, each in isolation: one streamed GroupMessage through the gRPC-web client
 * (frame parsing and the @xmtp/proto decode), the client's hex decoding of a group id, and a
 * conversation's appData read (a real Conversation on an in-process node, and the metadata
 * decode it would do uncached). Prints µs per operation (median of rounds); asserts nothing.
 */
import Long from 'long';
import { GroupMessage } from '@xmtp/proto/mls/api/v1/mls.pb';
import { createGrpcWebApi } from '../src/core/api';
import { GrpcWebFrameParser, encodeGrpcWebDataFrame, encodeGrpcWebFrame } from '../src/core/api/grpcWebFrames';
import { decodeProto } from '../src/core/api/protoCodec';
import { Client, createMemoryStore } from '../src/core/client';
import { fromHex } from '../src/core/client/bytes';
import { generateWalletPrivateKey, privateKeySigner } from '../src/core/identity';
import { startTestNode } from '../test/node/helpers';
import { METADATA_FIELD, mutableMetadataExtension, mutableMetadataOf } from '../src/core/mls/extensionsMutableMetadata';

const ROUNDS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(name: string, iterations: number, op: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(iterations, 2000); i++) op(i);
  const perOp: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) if (op(i) !== undefined) sink++;
    perOp.push(((performance.now() - start) * 1000) / iterations);
  }
  console.log(`${name.padEnd(58)} ${median(perOp).toFixed(3).padStart(9)} µs/op${sink < 0 ? '!' : ''}`);
}

async function measureAsync(name: string, iterations: number, op: () => Promise<number>): Promise<void> {
  await op();
  const perOp: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    const n = await op();
    perOp.push(((performance.now() - start) * 1000) / n);
  }
  console.log(`${name.padEnd(58)} ${median(perOp).toFixed(3).padStart(9)} µs/op (${iterations} msgs)`);
}

function groupMessage(i: number, size: number): Uint8Array {
  const data = new Uint8Array(size).map((_, j) => (i + j) & 0xff);
  return GroupMessage.encode({
    v1: {
      id: Long.fromNumber(1000 + i, true),
      createdNs: Long.fromString('1764160000000000000', true),
      groupId: new Uint8Array(32).fill(7),
      data,
      senderHmac: new Uint8Array(32).fill(9),
      shouldPush: true,
      isCommit: false,
    },
  }).finish();
}

// 1. Streaming: frames → payload → GroupMessage.
const payloads = Array.from({ length: 256 }, (_, i) => groupMessage(i, 400));
const framed = payloads.map((p) => encodeGrpcWebDataFrame(p));
measure('stream: GroupMessage decode (decodeProto)', 20000, (i) => decodeProto(GroupMessage, payloads[i & 255]!, 'x'));
measure('stream: frame parser, one frame per chunk', 20000, (i) => new GrpcWebFrameParser().push(framed[i & 255]!));
{
  const parser = new GrpcWebFrameParser();
  const bytes = framed[0]!;
  measure('stream: frame parser, 64-byte chunks', 20000, () => {
    let n = 0;
    for (let at = 0; at < bytes.length; at += 64) n += parser.push(bytes.subarray(at, at + 64)).length;
    return n;
  });
}

const STREAMED = 2000;
function streamBody(chunkSize: number): Uint8Array[] {
  const all = [...Array.from({ length: STREAMED }, (_, i) => framed[i & 255]!), encodeGrpcWebFrame('trailer', new TextEncoder().encode('grpc-status: 0\r\n'))];
  if (chunkSize === 0) return all;
  const total = all.reduce((n, f) => n + f.length, 0);
  const flat = new Uint8Array(total);
  let at = 0;
  for (const f of all) {
    flat.set(f, at);
    at += f.length;
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < total; i += chunkSize) out.push(flat.slice(i, i + chunkSize));
  return out;
}
for (const chunkSize of [0, 1024]) {
  const chunks = streamBody(chunkSize);
  const api = createGrpcWebApi({
    url: 'http://127.0.0.1:1',
    fetch: async () => {
      let next = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const c = chunks[next++];
          if (c === undefined) controller.close();
          else controller.enqueue(c);
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/grpc-web+proto' } });
    },
  });
  await measureAsync(`stream: whole client, ${chunkSize === 0 ? 'one frame a chunk' : `${chunkSize}-byte chunks`}`, STREAMED, async () => {
    let n = 0;
    for await (const m of api.subscribeGroupMessages({ filters: [] })) if (m.v1) n++;
    return n;
  });
}

// 2. Hex: a group id (32 bytes), as the apply path decodes it, and a 1 KiB value.
const groupIdHex = 'ab'.repeat(16) + 'CD'.repeat(16);
const longHex = '0f'.repeat(1024);
measure('hex: fromHex(group id, 64 chars)', 200000, () => fromHex(groupIdHex));
measure('hex: fromHex(1 KiB, 2048 chars)', 20000, () => fromHex(longHex));

// 3. appData read: what Conversation.appData does on a typical group's metadata.
const extensions = [
  mutableMetadataExtension({
    attributes: new Map([
      [METADATA_FIELD.groupName, 'A group with a name'],
      [METADATA_FIELD.description, 'and a description of some length, as groups carry'],
      [METADATA_FIELD.appData, JSON.stringify({ origin: 'https://app.example', v: 1 })],
      [METADATA_FIELD.messageDisappearFromNs, '0'],
      [METADATA_FIELD.messageDisappearInNs, '0'],
    ]),
    adminList: [],
    superAdminList: ['aa'.repeat(32)],
  }),
];
measure('appData: mutableMetadataOf(...).attributes.get(app_data)', 100000, () => mutableMetadataOf(extensions).attributes.get(METADATA_FIELD.appData));

{
  const node = await startTestNode({ shutdownGraceMs: 200 });
  try {
    const url = `http://127.0.0.1:${node.webPort}`;
    const user = async () => {
      const signer = privateKeySigner(generateWalletPrivateKey());
      return { signer, client: await Client.create(signer, { api: createGrpcWebApi({ url }), store: createMemoryStore() }) };
    };
    const alice = await user();
    const bob = await user();
    const group = await alice.client.conversations.createGroup([bob.signer.identifier], {
      name: 'A group with a name',
      description: 'and a description of some length, as groups carry',
      appData: JSON.stringify({ origin: 'https://app.example', v: 1 }),
    });
    // The getter's path before it cached: a full metadata decode per call.
    const uncached = group as unknown as { attribute(key: string): string };
    measure('appData: uncached read of the same conversation', 100000, () => uncached.attribute(METADATA_FIELD.appData));
    measure('appData: Conversation.appData getter', 100000, () => group.appData);
    alice.client.close();
    bob.client.close();
  } finally {
    await node.stop();
  }
}
