import { connect, constants as h2 } from 'node:http2';
import { IdentifierKind } from '@xmtp/proto/identity/associations/association.pb';
import { GetInboxIdsRequest } from '@xmtp/proto/identity/api/v1/identity.pb';
import fc from 'fast-check';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus, apiMethods, type ApiMethodName } from '../../src/core/api';
import { identityUpdateFromProto, identityUpdateToProto } from '../../src/core/identity/codec';
import { keyPackageFor, newIdentity, privateMessage } from './fixtures';
import { GrpcCallError, call, rawUnary, startTestNode, type TestNode } from './helpers';

async function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
    return { code: GrpcStatus.OK, details: '' };
  } catch (e) {
    if (e instanceof GrpcCallError) return { code: e.code, details: e.details };
    throw e;
  }
}

/** Proves the node still answers after an abuse. */
async function stillServing(node: TestNode): Promise<void> {
  const res = await call(node.client, 'getInboxIds', { requests: [{ identifier: '0x0000000000000000000000000000000000000001', identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM }] });
  expect(res.responses).toHaveLength(1);
}

/** One raw HTTP/2 gRPC request: full control over the framing. */
function rawHttp2(port: number, path: string, body: Uint8Array): Promise<{ grpcStatus: string | undefined; message: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let headerStatus: string | undefined;
    let headerMessage: string | undefined;
    req.on('response', (headers) => {
      headerStatus = headers['grpc-status'] as string | undefined;
      headerMessage = headers['grpc-message'] as string | undefined;
    });
    req.on('trailers', (trailers) => {
      headerStatus = trailers['grpc-status'] as string | undefined;
      headerMessage = trailers['grpc-message'] as string | undefined;
    });
    req.on('data', () => {});
    req.on('end', () => {
      session.close();
      resolve({ grpcStatus: headerStatus, message: headerMessage });
    });
    req.on('error', reject);
    req.end(Buffer.from(body));
  });
}

function grpcFrame(payload: Uint8Array, declaredLength = payload.length): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, declaredLength);
  out.set(payload, 5);
  return out;
}

async function grpcWebPost(port: number, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', ...headers },
    body: new Uint8Array(body),
  });
}

/** The grpc-status of a gRPC-web body that ends in a trailer frame. */
async function trailerStatus(res: Response): Promise<string | undefined> {
  const body = new Uint8Array(await res.arrayBuffer());
  let at = 0;
  while (at + 5 <= body.length) {
    const len = new DataView(body.buffer, body.byteOffset + at).getUint32(1);
    if (body[at] === 0x80) return /grpc-status: (\d+)/.exec(new TextDecoder().decode(body.subarray(at + 5, at + 5 + len)))?.[1];
    at += 5 + len;
  }
  return undefined;
}

const UNARY_METHODS = (Object.keys(apiMethods) as ApiMethodName[]).filter((m) => apiMethods[m].kind === 'unary');

describe('hostile input', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  describe('native gRPC', () => {
    it('answers malformed protobuf with INVALID_ARGUMENT on every method and keeps serving', async () => {
      for (const method of UNARY_METHODS) {
        const res = await statusOf(rawUnary(node.client, apiMethods[method].path, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f])));
        expect(res.code, method).toBe(GrpcStatus.INVALID_ARGUMENT);
        expect(res.details, method).toMatch(/Could not decode/);
      }
      await stillServing(node);
    });

    it('never fails with anything but OK or INVALID_ARGUMENT on random request bytes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...UNARY_METHODS), fc.uint8Array({ maxLength: 300 }), async (method, bytes) => {
          const res = await statusOf(rawUnary(node.client, apiMethods[method].path, bytes));
          expect([GrpcStatus.OK, GrpcStatus.INVALID_ARGUMENT], `${method}: ${res.details}`).toContain(res.code);
        }),
        { numRuns: 150 },
      );
      await stillServing(node);
    });

    it('refuses a message over 25 MiB with RESOURCE_EXHAUSTED', async () => {
      const huge = new Uint8Array(25 * 1024 * 1024 + 10);
      const res = await statusOf(rawUnary(node.client, apiMethods.sendGroupMessages.path, huge));
      expect(res.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      await stillServing(node);
    });

    it('refuses a frame that announces more than 25 MiB before receiving it', async () => {
      const res = await rawHttp2(node.grpcPort, apiMethods.getInboxIds.path, grpcFrame(new Uint8Array(10), 100 * 1024 * 1024));
      expect(res.grpcStatus).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
      await stillServing(node);
    });

    it('refuses a truncated frame and keeps serving', async () => {
      const valid = GetInboxIdsRequest.encode({ requests: [{ identifier: '0x01', identifierKind: 1 }] }).finish();
      const res = await rawHttp2(node.grpcPort, apiMethods.getInboxIds.path, grpcFrame(valid, valid.length + 50));
      expect(res.grpcStatus).toBe(String(GrpcStatus.INVALID_ARGUMENT));
      expect(decodeURIComponent(res.message ?? '')).toMatch(/truncated/);
      await stillServing(node);
    });

    it('answers unknown and legacy methods with UNIMPLEMENTED', async () => {
      for (const path of ['/xmtp.mls.api.v1.MlsApi/RegisterInstallation', '/xmtp.mls.api.v1.MlsApi/GetIdentityUpdates', '/no.Such/Method']) {
        const res = await statusOf(rawUnary(node.client, path, new Uint8Array()));
        expect(res.code, path).toBe(GrpcStatus.UNIMPLEMENTED);
      }
      await stillServing(node);
    });
  });

  describe('gRPC-web', () => {
    it('refuses a truncated frame with INVALID_ARGUMENT', async () => {
      const res = await grpcWebPost(node.webPort, apiMethods.getInboxIds.path, grpcFrame(new Uint8Array(4), 40));
      expect(res.headers.get('grpc-status')).toBe(String(GrpcStatus.INVALID_ARGUMENT));
      expect(res.headers.get('grpc-message')).toMatch(/Truncated/);
      await stillServing(node);
    });

    it('refuses an oversized frame from its header with RESOURCE_EXHAUSTED', async () => {
      const res = await grpcWebPost(node.webPort, apiMethods.getInboxIds.path, grpcFrame(new Uint8Array(8), 0x7fffffff));
      expect(res.headers.get('grpc-status')).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
      await stillServing(node);
    });

    it('answers any request body with a gRPC status, never an HTTP error or a crash', async () => {
      const framed = fc.uint8Array({ maxLength: 200 }).map((p) => grpcFrame(p));
      const body = fc.oneof(fc.uint8Array({ maxLength: 200 }), framed, fc.tuple(framed, fc.uint8Array({ maxLength: 20 })).map(([a, b]) => new Uint8Array([...a, ...b])));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...UNARY_METHODS), body, async (method, bytes) => {
          const res = await grpcWebPost(node.webPort, apiMethods[method].path, bytes);
          expect(res.status).toBe(200);
          const status = res.headers.get('grpc-status') ?? (await trailerStatus(res));
          // RESOURCE_EXHAUSTED: random header bytes can announce a frame over the 25 MiB cap.
          expect([String(GrpcStatus.OK), String(GrpcStatus.INVALID_ARGUMENT), String(GrpcStatus.RESOURCE_EXHAUSTED)], `${method}`).toContain(status);
        }),
        { numRuns: 100 },
      );
      await stillServing(node);
    });

    it('refuses malformed protobuf, two messages, and unknown methods with the right status', async () => {
      const bad = await grpcWebPost(node.webPort, apiMethods.fetchKeyPackages.path, grpcFrame(new Uint8Array([0x0a, 0xff, 0xff])));
      expect(bad.headers.get('grpc-status')).toBe(String(GrpcStatus.INVALID_ARGUMENT));
      const two = new Uint8Array([...grpcFrame(new Uint8Array()), ...grpcFrame(new Uint8Array())]);
      const twice = await grpcWebPost(node.webPort, apiMethods.getInboxIds.path, two);
      expect(twice.headers.get('grpc-status')).toBe(String(GrpcStatus.INVALID_ARGUMENT));
      const unknown = await grpcWebPost(node.webPort, '/xmtp.mls.api.v1.MlsApi/RevokeInstallation', grpcFrame(new Uint8Array()));
      expect(unknown.headers.get('grpc-status')).toBe(String(GrpcStatus.UNIMPLEMENTED));
      await stillServing(node);
    });
  });

  describe('protocol payloads', () => {
    it('refuses an identity update with a forged wallet signature and stores nothing', async () => {
      const alice = await newIdentity();
      const update = identityUpdateFromProto(alice.registration);
      const create = update.actions[0]!;
      if (create.kind !== 'createInbox' || create.initialSignature.kind !== 'erc191') throw new Error('fixture shape');
      const forgedBytes = create.initialSignature.bytes.slice();
      forgedBytes[10] = forgedBytes[10]! ^ 0x01;
      const forged = identityUpdateToProto({
        ...update,
        actions: [{ ...create, initialSignature: { kind: 'erc191', bytes: forgedBytes } }, ...update.actions.slice(1)],
      });
      const res = await statusOf(call(node.client, 'publishIdentityUpdate', { identityUpdate: forged }));
      expect(res.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      const lookup = await call(node.client, 'getInboxIds', { requests: [{ identifier: alice.address, identifierKind: 1 }] });
      expect(lookup.responses[0]!.inboxId).toBeUndefined();
      const log = await call(node.client, 'getIdentityUpdates', { requests: [{ inboxId: alice.inboxId, sequenceId: Long.fromNumber(0, true) }] });
      expect(log.responses[0]!.updates).toHaveLength(0);
    });

    it('refuses an identity update whose installation signature is another key', async () => {
      const alice = await newIdentity();
      const bob = await newIdentity();
      const a = identityUpdateFromProto(alice.registration);
      const b = identityUpdateFromProto(bob.registration);
      const add = a.actions[1]!;
      const otherAdd = b.actions[1]!;
      if (add.kind !== 'addAssociation' || otherAdd.kind !== 'addAssociation') throw new Error('fixture shape');
      const forged = identityUpdateToProto({ ...a, actions: [a.actions[0]!, { ...add, newMemberSignature: otherAdd.newMemberSignature }] });
      const res = await statusOf(call(node.client, 'publishIdentityUpdate', { identityUpdate: forged }));
      expect(res.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    });

    it('never serves a key package for an installation no inbox log lists', async () => {
      const ghost = await newIdentity(); // never published
      await call(node.client, 'uploadKeyPackage', {
        keyPackage: { keyPackageTlsSerialized: await keyPackageFor(ghost.inboxId, ghost.installation) },
        isInboxIdCredential: true,
      });
      const res = await call(node.client, 'fetchKeyPackages', { installationKeys: [ghost.installation.publicKey] });
      expect(res.keyPackages[0]!.keyPackageTlsSerialized).toHaveLength(0);
    });

    it('refuses a key package with a broken signature, an expired one, and garbage', async () => {
      const alice = await newIdentity();
      const tls = await keyPackageFor(alice.inboxId, alice.installation);
      const tampered = tls.slice();
      tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0x40;
      const expired = await keyPackageFor(alice.inboxId, alice.installation, new Date(Date.now() - 200 * 24 * 3600 * 1000));
      for (const bytes of [tampered, expired, new Uint8Array([1, 2, 3])]) {
        const res = await statusOf(call(node.client, 'uploadKeyPackage', { keyPackage: { keyPackageTlsSerialized: bytes }, isInboxIdCredential: true }));
        expect(res.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      }
      const fetched = await call(node.client, 'fetchKeyPackages', { installationKeys: [alice.installation.publicKey] });
      expect(fetched.keyPackages[0]!.keyPackageTlsSerialized).toHaveLength(0);
    });

    it('refuses a group message that is not MLS, or is application data in a PublicMessage', async () => {
      const res = await statusOf(
        call(node.client, 'sendGroupMessages', { messages: [{ v1: { data: new TextEncoder().encode('hello'), senderHmac: new Uint8Array(), shouldPush: true } }] }),
      );
      expect(res.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(res.details).toMatch(/MLS/);
      const ok = await statusOf(
        call(node.client, 'sendGroupMessages', { messages: [{ v1: { data: privateMessage(new Uint8Array([1]), 'x'), senderHmac: new Uint8Array(), shouldPush: true } }] }),
      );
      expect(ok.code).toBe(GrpcStatus.OK);
    });
  });
});
