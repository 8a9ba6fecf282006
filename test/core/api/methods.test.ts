import fc from 'fast-check';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { IdentityApiClientImpl, IdentityApiServiceName } from '@xmtp/proto/identity/api/v1/identity.pb';
import { GroupMessage, MlsApiClientImpl, MlsApiServiceName } from '@xmtp/proto/mls/api/v1/mls.pb';
import { apiMethods, apiMethodsByPath, type ApiMethodName } from '../../../src/core/api/methods';
import { decodeProto, encodeProto } from '../../../src/core/api/protoCodec';
import { isParleyError } from '../../../src/core/errors';

type Shape = 'unary' | 'serverStream' | 'bidi';

/** Calls each of our methods on the generated client and records the path and shape it uses. */
function generatedCallFor(service: string, name: string, request: unknown): { path: string; shape: Shape } | undefined {
  let seen: { path: string; shape: Shape } | undefined;
  const observable = { pipe: () => observable };
  const pending = { then: () => pending, catch: () => pending };
  const record = (shape: Shape, result: unknown) => (s: string, m: string) => ((seen = { path: `/${s}/${m}`, shape }), result);
  const rpc = {
    request: record('unary', pending),
    serverStreamingRequest: record('serverStream', observable),
    bidirectionalStreamingRequest: record('bidi', observable),
    clientStreamingRequest: record('unary', pending),
  };
  const client = (service === MlsApiServiceName ? new MlsApiClientImpl(rpc as never) : new IdentityApiClientImpl(rpc as never)) as unknown as Record<
    string,
    ((r: unknown) => unknown) | undefined
  >;
  client[name]?.(request);
  return seen;
}

const generatedMethodNames = (impl: { prototype: object }) =>
  Object.getOwnPropertyNames(impl.prototype).filter((n) => n !== 'constructor');

describe('the API method table', () => {
  it("matches the generated services' paths and streaming shapes", () => {
    for (const spec of Object.values(apiMethods)) {
      const request = spec.requestCodec.decode(new Uint8Array(0));
      expect(generatedCallFor(spec.service, spec.name, request), spec.path).toEqual({ path: spec.path, shape: spec.kind });
    }
  });

  it('leaves out only the legacy MLS identity calls and the bidirectional Subscribe', () => {
    const ours = new Set(Object.values(apiMethods).map((s) => s.path));
    const generated = [
      ...generatedMethodNames(MlsApiClientImpl).map((n) => `/${MlsApiServiceName}/${n}`),
      ...generatedMethodNames(IdentityApiClientImpl).map((n) => `/${IdentityApiServiceName}/${n}`),
    ];
    const left = generated.filter((p) => !ours.has(p)).sort();
    expect(left).toEqual([
      '/xmtp.mls.api.v1.MlsApi/GetIdentityUpdates',
      '/xmtp.mls.api.v1.MlsApi/RegisterInstallation',
      '/xmtp.mls.api.v1.MlsApi/RevokeInstallation',
      '/xmtp.mls.api.v1.MlsApi/Subscribe',
    ]);
  });

  it('routes every path back to its method', () => {
    for (const method of Object.keys(apiMethods) as ApiMethodName[]) {
      expect(apiMethodsByPath.get(apiMethods[method].path)?.method).toBe(method);
    }
    expect(apiMethodsByPath.get('/xmtp.identity.api.v1.IdentityApi/GetInboxIds')?.spec.kind).toBe('unary');
  });
});

describe('protobuf decoding', () => {
  it('round-trips group messages', () => {
    const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => Long.fromString(n.toString(), true));
    fc.assert(
      fc.property(u64, u64, fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), fc.boolean(), (id, createdNs, groupId, data, flag) => {
        const message: GroupMessage = {
          v1: { id, createdNs, groupId, data, senderHmac: new Uint8Array(0), shouldPush: flag, isCommit: !flag },
        };
        const decoded = decodeProto(GroupMessage, encodeProto(GroupMessage, message), 'a group message');
        expect(decoded.v1?.id.toString()).toBe(id.toString());
        expect(decoded.v1?.createdNs.toString()).toBe(createdNs.toString());
        expect([...(decoded.v1?.groupId ?? [])]).toEqual([...groupId]);
        expect([...(decoded.v1?.data ?? [])]).toEqual([...data]);
        expect(decoded.v1?.shouldPush).toBe(flag);
        expect(decoded.v1?.isCommit).toBe(!flag);
      }),
    );
  });

  it('gives only Codec.Malformed for random bytes, whatever the response type', () => {
    const codecs = Object.values(apiMethods).map((s) => s.responseCodec);
    fc.assert(
      fc.property(fc.constantFrom(...codecs), fc.uint8Array({ maxLength: 120 }), (codec, bytes) => {
        try {
          decodeProto(codec, bytes, 'random bytes');
        } catch (e) {
          expect(isParleyError(e, 'Codec.Malformed')).toBe(true);
        }
      }),
    );
  });
});
