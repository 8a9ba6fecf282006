import { GetInboxIdsRequest } from '@xmtp/proto/identity/api/v1/identity.pb';
import { describe, expect, it } from 'vitest';
import { GrpcStatus, apiMethods } from '../../../src/core/api';
import { createLogger } from '../../../src/node/log';
import { Dispatcher, type TransportCall } from '../../../src/node/rpc/dispatcher';
import type { NodeHandlers } from '../../../src/node/rpc/handlers';
import { RateLimiter } from '../../../src/node/rpc/rateLimiter';

const PATH = apiMethods.getInboxIds.path;
const REQUEST = GetInboxIdsRequest.encode({ requests: [] }).finish();

function transport(): TransportCall & { written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  return {
    clientKey: '127.0.0.1',
    signal: new AbortController().signal,
    written,
    write: (messages) => {
      written.push(...messages);
      return Promise.resolve();
    },
  };
}

/** A dispatcher whose getInboxIds answers only when the test releases it. */
function heldDispatcher(lines: string[] = []) {
  const releases: (() => void)[] = [];
  const handlers = {
    getInboxIds: (_req: unknown, ctx: { clientKey: string }) =>
      new Promise((resolve) => releases.push(() => resolve({ responses: [{ address: ctx.clientKey, identifier: ctx.clientKey }] }))),
  } as unknown as NodeHandlers;
  const dispatcher = new Dispatcher({
    handlers,
    rateLimiter: new RateLimiter({ writes: 0, reads: 0, windowMs: 1000 }),
    logger: createLogger('debug', (l) => lines.push(l)),
  });
  return { dispatcher, releases };
}

describe('Dispatcher', () => {
  it('drain waits for every unary call in flight, and refuses calls that arrive after it began', async () => {
    const { dispatcher, releases } = heldDispatcher();
    const first = dispatcher.run(PATH, REQUEST, transport());
    const second = dispatcher.run(PATH, REQUEST, transport());
    await new Promise((r) => setImmediate(r));
    let drained = false;
    const draining = dispatcher.drain().then(() => (drained = true));
    const late = await dispatcher.run(PATH, REQUEST, transport());
    expect(late.status).toBe(GrpcStatus.UNAVAILABLE);
    releases[0]!();
    expect((await first).status).toBe(GrpcStatus.OK);
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    releases[1]!();
    expect((await second).status).toBe(GrpcStatus.OK);
    await draining;
    expect(drained).toBe(true);
  });

  it('drain with nothing in flight resolves at once, and two drains both resolve', async () => {
    const { dispatcher, releases } = heldDispatcher();
    await dispatcher.drain();
    const again = heldDispatcher();
    const call = again.dispatcher.run(PATH, REQUEST, transport());
    await new Promise((r) => setImmediate(r));
    const a = again.dispatcher.drain();
    const b = again.dispatcher.drain();
    again.releases[0]!();
    await Promise.all([call, a, b]);
    expect(releases).toHaveLength(0);
  });

  it('drain counts a call whose handler throws or rejects as ended once it answers', async () => {
    const releases: (() => void)[] = [];
    let calls = 0;
    const handlers = {
      getInboxIds: () => {
        calls++;
        // The first throws at once, the second rejects when released.
        if (calls === 1) throw new Error('handler bug');
        return new Promise((_resolve, reject) => releases.push(() => reject(new Error('store gone'))));
      },
    } as unknown as NodeHandlers;
    const dispatcher = new Dispatcher({
      handlers,
      rateLimiter: new RateLimiter({ writes: 0, reads: 0, windowMs: 1000 }),
      logger: createLogger('error', () => {}),
    });
    const thrown = dispatcher.run(PATH, REQUEST, transport());
    const rejected = dispatcher.run(PATH, REQUEST, transport());
    await new Promise((r) => setImmediate(r));
    expect((await thrown).status).toBe(GrpcStatus.INTERNAL);
    let drained = false;
    const draining = dispatcher.drain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    releases[0]!();
    expect((await rejected).status).toBe(GrpcStatus.INTERNAL);
    await draining;
    expect(drained).toBe(true);
    // Nothing is left counted in flight: a later drain resolves at once.
    await dispatcher.drain();
  });

  it('hands the handler the calling client and writes the encoded response', async () => {
    const lines: string[] = [];
    const { dispatcher, releases } = heldDispatcher(lines);
    const call = transport();
    const running = dispatcher.run(PATH, REQUEST, call);
    await new Promise((r) => setImmediate(r));
    releases[0]!();
    expect((await running).status).toBe(GrpcStatus.OK);
    expect(call.written).toHaveLength(1);
    expect(lines.some((l) => l.includes('"msg":"request"') && l.includes('"client":"127.0.0.1"') && l.includes('"ms":'))).toBe(true);
  });
});
