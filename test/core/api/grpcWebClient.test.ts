import Long from 'long';
import { afterEach, describe, expect, it } from 'vitest';
import { Empty } from '@xmtp/proto/google/protobuf/empty.pb';
import { IdentifierKind } from '@xmtp/proto/identity/associations/association.pb';
import { GetInboxIdsRequest, GetInboxIdsResponse } from '@xmtp/proto/identity/api/v1/identity.pb';
import { GroupMessage, SubscribeGroupMessagesRequest, UploadKeyPackageRequest } from '@xmtp/proto/mls/api/v1/mls.pb';
import { createGrpcWebApi } from '../../../src/core/api/grpcWebClient';
import { DEFAULT_MAX_FRAME_BYTES, GrpcWebFrameParser, encodeGrpcWebFrame } from '../../../src/core/api/grpcWebFrames';
import { encodeGrpcWebTrailerFrame, grpcWebTrailersOnlyHeaders } from '../../../src/core/api/grpcWebTrailers';
import { isParleyError, type ErrorCode } from '../../../src/core/errors';
import {
  answerUnary,
  beginGrpcWeb,
  endWithStatus,
  startGrpcWebTestServer,
  writeMessage,
  type GrpcWebTestServer,
  type TestHandler,
} from './grpcWebTestServer';

let server: GrpcWebTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: TestHandler): Promise<GrpcWebTestServer> {
  server = await startGrpcWebTestServer(handler);
  return server;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
  return 'no error';
}

async function errorOf(promise: Promise<unknown>): Promise<{ code: ErrorCode; details: string | undefined }> {
  try {
    await promise;
  } catch (e) {
    if (isParleyError(e)) return { code: e.code, details: e.details };
    throw e;
  }
  throw new Error('expected a ParleyError');
}

/** The one message in a gRPC-web request body, as a server would read it. */
function requestMessage(body: Uint8Array): Uint8Array {
  const frames = new GrpcWebFrameParser().push(body);
  expect(frames).toHaveLength(1);
  expect(frames[0]?.kind).toBe('data');
  return frames[0]!.payload;
}

const ADDRESS = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const INBOX_ID = '82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c';

function groupMessage(id: number): GroupMessage {
  return {
    v1: {
      id: Long.fromNumber(id, true),
      createdNs: Long.fromString('1700000000000000000', true),
      groupId: new Uint8Array([0xab, 0xcd]),
      data: new Uint8Array([id, id + 1, id + 2]),
      senderHmac: new Uint8Array(0),
      shouldPush: true,
      isCommit: false,
    },
  };
}

const subscribeRequest: SubscribeGroupMessagesRequest = {
  filters: [{ groupId: new Uint8Array([0xab, 0xcd]), idCursor: Long.UZERO }],
};

describe('unary calls over gRPC-web', () => {
  it('round-trips GetInboxIds with the gRPC-web headers the server expects', async () => {
    const { url, calls } = await serve((call) => {
      const request = GetInboxIdsRequest.decode(requestMessage(call.body));
      answerUnary(
        call.res,
        GetInboxIdsResponse.encode({
          responses: request.requests.map((r) => ({ identifier: r.identifier, identifierKind: r.identifierKind, inboxId: INBOX_ID })),
        }).finish(),
      );
    });
    const api = createGrpcWebApi({ url: `${url}/`, headers: { 'x-app-version': 'parley/0.1.0' } });

    const response = await api.getInboxIds({
      requests: [{ identifier: ADDRESS, identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM }],
    });

    expect(response).toEqual({
      responses: [{ identifier: ADDRESS, identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM, inboxId: INBOX_ID }],
    });
    const call = calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/xmtp.identity.api.v1.IdentityApi/GetInboxIds');
    expect(call.headers['content-type']).toBe('application/grpc-web+proto');
    expect(call.headers['x-grpc-web']).toBe('1');
    expect(call.headers['x-app-version']).toBe('parley/0.1.0');
    expect(call.headers['grpc-timeout']).toBe('30000m');
    expect(GetInboxIdsRequest.decode(requestMessage(call.body)).requests[0]).toEqual({
      identifier: ADDRESS,
      identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM,
    });
  });

  it('uploads a key package and reads the Empty answer', async () => {
    const keyPackage = new Uint8Array(300).map((_, i) => i & 0xff);
    const { url, calls } = await serve((call) => answerUnary(call.res, Empty.encode({}).finish()));
    const api = createGrpcWebApi({ url });

    await expect(
      api.uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: keyPackage }, isInboxIdCredential: true }),
    ).resolves.toEqual({});

    expect(calls[0]?.path).toBe('/xmtp.mls.api.v1.MlsApi/UploadKeyPackage');
    const sent = UploadKeyPackageRequest.decode(requestMessage(calls[0]!.body));
    expect([...(sent.keyPackage?.keyPackageTlsSerialized ?? [])]).toEqual([...keyPackage]);
    expect(sent.isInboxIdCredential).toBe(true);
  });

  it('goes through the fetch it is given', async () => {
    const { url } = await serve((call) => answerUnary(call.res, Empty.encode({}).finish()));
    const seen: string[] = [];
    const api = createGrpcWebApi({
      url,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await api.sendGroupMessages({ messages: [] });
    expect(seen).toEqual([`${url}/xmtp.mls.api.v1.MlsApi/SendGroupMessages`]);
  });

  it('turns an error trailer into the matching Api code with the server message', async () => {
    const message = 'key package: not_before is 100% in the future (é)';
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      endWithStatus(call.res, 3, message);
    });
    const api = createGrpcWebApi({ url });
    expect(await errorOf(api.uploadKeyPackage({ keyPackage: undefined, isInboxIdCredential: true }))).toEqual({
      code: 'Api.InvalidArgument',
      details: message,
    });
  });

  it('reads the status of a trailers-only response from the HTTP headers', async () => {
    const { url } = await serve((call) => {
      call.res.writeHead(200, grpcWebTrailersOnlyHeaders(8, 'rate limit: 3000 writes / 5 min'));
      call.res.end();
    });
    const api = createGrpcWebApi({ url });
    expect(await errorOf(api.getInboxIds({ requests: [] }))).toEqual({
      code: 'Api.ResourceExhausted',
      details: 'rate limit: 3000 writes / 5 min',
    });
  });

  it('refuses an OK answer that carries no message', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      endWithStatus(call.res, 0);
    });
    expect(await codeOf(createGrpcWebApi({ url }).getInboxIds({ requests: [] }))).toBe('Api.BadResponse');
  });

  it('refuses two messages for a unary call', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, new Uint8Array(0));
      writeMessage(call.res, new Uint8Array(0));
      endWithStatus(call.res, 0);
    });
    expect(await codeOf(createGrpcWebApi({ url }).sendGroupMessages({ messages: [] }))).toBe('Api.BadResponse');
  });

  it('refuses a trailer without grpc-status', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, new Uint8Array(0));
      call.res.end(encodeGrpcWebFrame('trailer', new TextEncoder().encode('x-other: 1\r\n')));
    });
    expect(await codeOf(createGrpcWebApi({ url }).sendGroupMessages({ messages: [] }))).toBe('Api.BadResponse');
  });

  it('reports a message that is not valid protobuf as Codec.Malformed', async () => {
    const { url } = await serve((call) => answerUnary(call.res, new Uint8Array([0x0a, 0xff, 0x01])));
    expect(await codeOf(createGrpcWebApi({ url }).getInboxIds({ requests: [] }))).toBe('Codec.Malformed');
  });

  it('refuses a compressed frame', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      call.res.write(new Uint8Array([0x01, 0, 0, 0, 0]));
      endWithStatus(call.res, 0);
    });
    expect(await codeOf(createGrpcWebApi({ url }).sendGroupMessages({ messages: [] }))).toBe('Codec.Malformed');
  });

  it('refuses frames after the trailer', async () => {
    // A fetch answering with one chunk makes "trailer and data in the same read" certain.
    const body = Buffer.concat([
      encodeGrpcWebFrame('data', new Uint8Array(0)),
      encodeGrpcWebTrailerFrame(0),
      encodeGrpcWebFrame('data', new Uint8Array(0)),
    ]);
    const api = createGrpcWebApi({
      url: 'http://node.invalid',
      fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/grpc-web+proto' } }),
    });
    expect(await codeOf(api.sendGroupMessages({ messages: [] }))).toBe('Codec.Malformed');
  });

  it('reports HTTP errors, gateway failures and foreign bodies', async () => {
    const { url } = await serve((call) => {
      if (call.path.endsWith('/GetInboxIds')) {
        call.res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>');
      } else if (call.path.endsWith('/GetIdentityUpdates')) {
        call.res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      } else {
        call.res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
    const api = createGrpcWebApi({ url });
    expect(await codeOf(api.getInboxIds({ requests: [] }))).toBe('Api.BadResponse');
    expect(await codeOf(api.getIdentityUpdates({ requests: [] }))).toBe('Api.Unavailable');
    expect(await codeOf(api.fetchKeyPackages({ installationKeys: [] }))).toBe('Api.BadResponse');
  });

  it('reports a node that is not listening as Api.Network', async () => {
    const { url } = await serve(() => undefined);
    await server!.close();
    server = undefined;
    expect(await codeOf(createGrpcWebApi({ url }).getInboxIds({ requests: [] }))).toBe('Api.Network');
  });

  it('gives up at the deadline and ends the request', async () => {
    const { url, calls } = await serve(() => undefined);
    const api = createGrpcWebApi({ url, timeoutMs: 50 });
    expect(await codeOf(api.getInboxIds({ requests: [] }))).toBe('Api.DeadlineExceeded');
    expect(await calls[0]!.closed).toEqual({ byClient: true });
  });

  it('cancels a pending call through its signal and ends the request', async () => {
    const { url, calls } = await serve(() => undefined);
    const controller = new AbortController();
    const pending = createGrpcWebApi({ url }).getInboxIds({ requests: [] }, { signal: controller.signal });
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await codeOf(pending)).toBe('Api.Cancelled');
    expect(await calls[0]!.closed).toEqual({ byClient: true });
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { url, calls } = await serve((call) => answerUnary(call.res, Empty.encode({}).finish()));
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(createGrpcWebApi({ url }).sendGroupMessages({ messages: [] }, { signal: controller.signal }))).toBe(
      'Api.Cancelled',
    );
    expect(calls).toHaveLength(0);
  });
});

describe('server-streaming calls over gRPC-web', () => {
  it('delivers every message in order, then ends on an OK trailer', async () => {
    const { url, calls } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
      // Two frames in one write, and a frame split across writes.
      const two = GroupMessage.encode(groupMessage(2)).finish();
      const three = GroupMessage.encode(groupMessage(3)).finish();
      const four = encodeGrpcWebFrame('data', GroupMessage.encode(groupMessage(4)).finish());
      call.res.write(Buffer.concat([encodeGrpcWebFrame('data', two), encodeGrpcWebFrame('data', three), four.subarray(0, 3)]));
      call.res.write(four.subarray(3));
      endWithStatus(call.res, 0);
    });
    const received: GroupMessage[] = [];
    for await (const message of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) received.push(message);

    expect(received.map((m) => m.v1?.id.toNumber())).toEqual([1, 2, 3, 4]);
    expect([...(received[2]?.v1?.data ?? [])]).toEqual([3, 4, 5]);
    expect(calls[0]?.path).toBe('/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages');
    expect(calls[0]?.headers['grpc-timeout']).toBeUndefined();
    const sent = SubscribeGroupMessagesRequest.decode(requestMessage(calls[0]!.body));
    expect([...(sent.filters[0]?.groupId ?? [])]).toEqual([0xab, 0xcd]);
  });

  it('ends an empty stream on a trailers-only OK', async () => {
    const { url } = await serve((call) => {
      call.res.writeHead(200, grpcWebTrailersOnlyHeaders(0));
      call.res.end();
    });
    const received: unknown[] = [];
    for await (const m of createGrpcWebApi({ url }).subscribeWelcomeMessages({ filters: [] })) received.push(m);
    expect(received).toEqual([]);
  });

  it('ends the HTTP request when the signal cancels mid-stream', async () => {
    const { url, calls } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
      // and then nothing: a live subscription waiting for traffic
    });
    const controller = new AbortController();
    const stream = createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();

    const first = await iterator.next();
    expect(first.done).toBe(false);
    const second = iterator.next();
    controller.abort();

    expect(await codeOf(second)).toBe('Api.Cancelled');
    expect(await calls[0]!.closed).toEqual({ byClient: true });
  });

  it('reports a streamed message that is not protobuf as Codec.Malformed, after the good ones, and ends the request', async () => {
    const { url, calls } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
      writeMessage(call.res, new Uint8Array([0x0a, 0xff, 0x01]));
      // and then nothing: only our side can end the request
    });
    const received: number[] = [];
    const consume = async () => {
      for await (const m of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) received.push(m.v1?.id.toNumber() ?? -1);
    };
    expect(await codeOf(consume())).toBe('Codec.Malformed');
    expect(received).toEqual([1]);
    expect(await calls[0]!.closed).toEqual({ byClient: true });
  });

  it('ends the HTTP request when the consumer stops iterating', async () => {
    const { url, calls } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
    });
    for await (const message of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) {
      expect(message.v1?.id.toNumber()).toBe(1);
      break;
    }
    expect(await calls[0]!.closed).toEqual({ byClient: true });
  });

  it('reports a connection the server drops mid-stream, after the messages it did send', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
      writeMessage(call.res, GroupMessage.encode(groupMessage(2)).finish());
      setImmediate(() => call.res.socket?.destroy());
    });
    const received: number[] = [];
    const run = (async () => {
      for await (const m of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) received.push(m.v1!.id.toNumber());
    })();
    expect(await codeOf(run)).toBe('Api.Network');
    expect(received).toEqual([1, 2]);
  });

  it('reports a body that ends without a trailer as a broken connection', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
      call.res.end();
    });
    const run = (async () => {
      for await (const _ of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) void _;
    })();
    expect(await codeOf(run)).toBe('Api.Network');
  });

  it('delivers the messages before an error trailer, then throws its code', async () => {
    const { url } = await serve((call) => {
      beginGrpcWeb(call.res);
      writeMessage(call.res, GroupMessage.encode(groupMessage(1)).finish());
      endWithStatus(call.res, 3, 'unknown group');
    });
    const received: number[] = [];
    const run = (async () => {
      for await (const m of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) received.push(m.v1!.id.toNumber());
    })();
    expect(await errorOf(run)).toEqual({ code: 'Api.InvalidArgument', details: 'unknown group' });
    expect(received).toEqual([1]);
  });

  it('refuses an oversized frame from its header alone and ends the request', async () => {
    const { url, calls } = await serve((call) => {
      beginGrpcWeb(call.res);
      const header = new Uint8Array(5);
      new DataView(header.buffer).setUint32(1, DEFAULT_MAX_FRAME_BYTES + 1);
      // Only the header, a few payload bytes, and then the connection stays open: a client
      // that waited to buffer the announced 25 MiB would hang here instead of failing.
      call.res.write(Buffer.concat([header, Buffer.alloc(16)]));
    });
    const run = (async () => {
      for await (const _ of createGrpcWebApi({ url }).subscribeGroupMessages(subscribeRequest)) void _;
    })();
    expect(await codeOf(run)).toBe('Codec.TooLarge');
    expect(await calls[0]!.closed).toEqual({ byClient: true });
  });
});
