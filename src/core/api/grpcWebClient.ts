import { ParleyError } from '../errors';
import { GrpcStatus, grpcStatusError } from './grpcStatus';
import { DEFAULT_MAX_FRAME_BYTES, GRPC_WEB_CONTENT_TYPE, GrpcWebFrameParser, encodeGrpcWebDataFrame } from './grpcWebFrames';
import { parseGrpcWebTrailers, readGrpcStatus, type GrpcCallStatus } from './grpcWebTrailers';
import { apiMethods, type AnyMethodSpec, type ApiMethodName, type MethodSpec } from './methods';
import type { CallOptions, NetworkApi } from './networkApi';
import { decodeProto, encodeProto } from './protoCodec';

export interface GrpcWebApiOptions {
  /** Base URL of the node's gRPC-web listener, e.g. `http://127.0.0.1:5557`. */
  url: string;
  /** Defaults to the global fetch (service worker or Node 20). */
  fetch?: typeof fetch;
  /** Extra request headers on every call (e.g. an app version). */
  headers?: Record<string, string>;
  /** Deadline for unary calls in ms (default 30 s). Streams run until cancelled or broken. */
  timeoutMs?: number;
  /** Largest message accepted in one frame (default 25 MiB, XMTP's payload limit). */
  maxFrameBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

// HTTP statuses that gRPC maps to UNAVAILABLE (grpc/grpc doc/http-grpc-status-mapping.md):
// a proxy or the node is down or shedding load, so a retry may succeed.
const UNAVAILABLE_HTTP_STATUSES = new Set([429, 502, 503, 504]);

/**
 * A NetworkApi over gRPC-web (`application/grpc-web+proto`) using only fetch, ReadableStream,
 * TextEncoder/TextDecoder and AbortController, so it runs in an MV3 service worker and Node 20.
 * Cross-origin from a page this needs CORS on the node (preflight for content-type and
 * x-grpc-web, exposed grpc-status/grpc-message); an extension with host permissions skips it.
 */
export function createGrpcWebApi(options: GrpcWebApiOptions): NetworkApi {
  const caller = new GrpcWebCaller(options);
  const api: Partial<Record<ApiMethodName, unknown>> = {};
  for (const method of Object.keys(apiMethods) as ApiMethodName[]) {
    const spec: AnyMethodSpec = apiMethods[method];
    api[method] =
      spec.kind === 'unary'
        ? (request: unknown, opts?: CallOptions) => caller.unary(spec as MethodSpec<unknown, unknown>, request, opts)
        : (request: unknown, opts?: CallOptions) => caller.serverStream(spec as MethodSpec<unknown, unknown>, request, opts);
  }
  // Every key of the table is filled above, and the table's type is derived from NetworkApi.
  return api as NetworkApi;
}

class GrpcWebCaller {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxFrameBytes: number;

  constructor(options: GrpcWebApiOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    // Unbound global fetch throws "Illegal invocation" in browsers and service workers.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  async unary<Req, Res>(spec: MethodSpec<Req, Res>, request: Req, opts: CallOptions = {}): Promise<Res> {
    let response: Uint8Array | undefined;
    for await (const payload of this.exchange(spec, request, opts.signal, opts.timeoutMs ?? this.timeoutMs, rawPayload)) {
      if (response !== undefined) {
        throw new ParleyError('Api.BadResponse', `The node answered ${spec.name} with more than one message.`);
      }
      response = payload;
    }
    if (response === undefined) {
      throw new ParleyError('Api.BadResponse', `The node answered ${spec.name} with no message.`);
    }
    return decodeProto(spec.responseCodec, response, `the ${spec.name} response`);
  }

  serverStream<Req, Res>(spec: MethodSpec<Req, Res>, request: Req, opts: CallOptions = {}): AsyncIterable<Res> {
    const what = `a ${spec.name} message`;
    // Decoded inside the exchange rather than by a generator around it: each message then takes
    // one async-generator hop to its consumer instead of two.
    return this.exchange(spec, request, opts.signal, opts.timeoutMs, (payload) => decodeProto(spec.responseCodec, payload, what));
  }

  /**
   * One gRPC-web call: yields each response message, passed through `read`, and returns after
   * an OK status, or throws a typed error. Leaving early (break, throw) aborts the HTTP request.
   */
  private async *exchange<Req, Res, Out>(
    spec: MethodSpec<Req, Res>,
    request: Req,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    read: (payload: Uint8Array) => Out,
  ): AsyncGenerator<Out, void, undefined> {
    const body = encodeGrpcWebDataFrame(encodeProto(spec.requestCodec, request));
    if (body.length - 5 > this.maxFrameBytes) {
      throw new ParleyError('Codec.TooLarge', `The ${spec.name} request is larger than a node accepts.`, {
        details: `${body.length - 5} bytes, at most ${this.maxFrameBytes}`,
      });
    }
    if (signal?.aborted) throw cancelled(spec);

    const controller = new AbortController();
    let abortedBy: 'caller' | 'deadline' | undefined;
    const onCallerAbort = () => {
      abortedBy ??= 'caller';
      controller.abort();
    };
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            abortedBy ??= 'deadline';
            controller.abort();
          }, timeoutMs);
    const transportError = (cause: unknown): ParleyError => {
      if (abortedBy === 'caller') return cancelled(spec);
      if (abortedBy === 'deadline') {
        return new ParleyError('Api.DeadlineExceeded', `${spec.name} did not finish in time.`, { details: `${timeoutMs} ms`, cause });
      }
      return new ParleyError('Api.Network', `The connection to the node failed during ${spec.name}.`, {
        details: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    };

    const headers: Record<string, string> = {
      ...this.headers,
      'content-type': GRPC_WEB_CONTENT_TYPE,
      accept: GRPC_WEB_CONTENT_TYPE,
      'x-grpc-web': '1',
    };
    // gRPC's timeout header (PROTOCOL-HTTP2.md: at most 8 digits) lets the node give up when we do.
    if (timeoutMs !== undefined) headers['grpc-timeout'] = `${Math.min(99_999_999, Math.max(1, Math.ceil(timeoutMs)))}m`;

    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      let response: Response;
      try {
        response = await this.fetch(`${this.baseUrl}${spec.path}`, {
          method: 'POST',
          headers,
          body,
          signal: controller.signal,
        });
      } catch (e) {
        throw transportError(e);
      }

      const headerStatus = readGrpcStatus((name) => response.headers.get(name));
      if (headerStatus) {
        // Trailers-only: the status came in the headers and no message follows.
        await response.body?.cancel().catch(() => undefined);
        throwUnlessOk(spec, headerStatus);
        return;
      }
      checkHttpResponse(spec, response);

      if (!response.body) throw missingTrailer(spec, 0);
      reader = response.body.getReader();
      const parser = new GrpcWebFrameParser({ maxFrameBytes: this.maxFrameBytes });
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw transportError(e);
        }
        if (chunk.done) throw missingTrailer(spec, parser.bufferedBytes);
        const frames = parser.push(chunk.value);
        for (let i = 0; i < frames.length; i++) {
          const frame = frames[i]!;
          if (frame.kind === 'data') {
            yield read(frame.payload);
            continue;
          }
          if (i !== frames.length - 1 || parser.bufferedBytes > 0) {
            throw new ParleyError('Codec.Malformed', `The node sent data after the ${spec.name} trailer.`);
          }
          const fields = parseGrpcWebTrailers(frame.payload);
          const status = readGrpcStatus((name) => fields.get(name));
          if (!status) throw new ParleyError('Api.BadResponse', `The node's ${spec.name} trailer has no grpc-status.`);
          // The status ends the call: stop reading, so a server that keeps the body open cannot hang us.
          throwUnlessOk(spec, status);
          return;
        }
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
      // Ends the HTTP request if we stopped early (break, error, cancel); a no-op once the body is done.
      controller.abort();
      reader?.cancel().catch(() => undefined);
    }
  }
}

function rawPayload(payload: Uint8Array): Uint8Array {
  return payload;
}

function throwUnlessOk(spec: MethodSpec<unknown, unknown>, status: GrpcCallStatus): void {
  if (status.status !== GrpcStatus.OK) throw grpcStatusError(spec.name, status.status, status.message);
}

function checkHttpResponse(spec: MethodSpec<unknown, unknown>, response: Response): void {
  if (response.status !== 200) {
    const code = UNAVAILABLE_HTTP_STATUSES.has(response.status) ? 'Api.Unavailable' : 'Api.BadResponse';
    throw new ParleyError(code, `The node answered ${spec.name} with HTTP ${response.status}.`, {
      details: `${response.status} ${response.statusText}`.trim(),
    });
  }
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  // Both spellings mean protobuf framing; grpc-web-text (base64) is never asked for.
  if (contentType !== GRPC_WEB_CONTENT_TYPE && contentType !== 'application/grpc-web') {
    throw new ParleyError('Api.BadResponse', `The node answered ${spec.name} with a body that is not gRPC-web.`, {
      details: `content-type ${JSON.stringify(contentType)}`,
    });
  }
}

function missingTrailer(spec: MethodSpec<unknown, unknown>, bufferedBytes: number): ParleyError {
  return new ParleyError('Api.Network', `The connection closed before ${spec.name} finished.`, {
    details: bufferedBytes > 0 ? `body ended inside a frame (${bufferedBytes} bytes held)` : 'body ended without a gRPC-web trailer',
  });
}

function cancelled(spec: MethodSpec<unknown, unknown>): ParleyError {
  return new ParleyError('Api.Cancelled', `${spec.name} was cancelled.`);
}
