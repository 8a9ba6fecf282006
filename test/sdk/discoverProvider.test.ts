import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANNOUNCE_PROVIDER_EVENT, PARLEY_RDNS, REQUEST_PROVIDER_EVENT } from '../../src/core/rpc';
import { announceProvider, createProvider } from '../../src/inpage/provider';
import { discoverProvider, Parley, ProviderNotFoundError } from '../../src/sdk/index';
import { FakeWindow } from '../content/fakeWindow';
import { ALICE, FakeProvider, grantedProvider } from './fakeProvider';

const info = (rdns: string) => ({ uuid: '00000000-0000-4000-8000-000000000000', name: rdns, icon: 'data:,', rdns });

/** A window where `providers` answer xmtp:requestProvider, as extensions' inpage scripts do. */
function windowWith(...providers: { rdns: string; provider: unknown }[]): EventTarget & { xmtp?: unknown } {
  const win = new EventTarget() as EventTarget & { xmtp?: unknown };
  win.addEventListener(REQUEST_PROVIDER_EVENT, () => {
    for (const p of providers) win.dispatchEvent(new CustomEvent(ANNOUNCE_PROVIDER_EVENT, { detail: { info: info(p.rdns), provider: p.provider } }));
  });
  return win;
}

describe('provider discovery', () => {
  it('finds the provider that answers xmtp:requestProvider', async () => {
    const provider = new FakeProvider();
    const found = await discoverProvider({ window: windowWith({ rdns: PARLEY_RDNS, provider }) });
    expect(found.provider).toBe(provider);
    expect(found.info?.rdns).toBe(PARLEY_RDNS);
  });

  it("prefers Parley's rdns when another provider announces first", async () => {
    const other = new FakeProvider();
    const parley = new FakeProvider();
    const win = windowWith({ rdns: 'com.example.other', provider: other }, { rdns: PARLEY_RDNS, provider: parley });
    expect((await discoverProvider({ window: win })).provider).toBe(parley);
  });

  it('takes the only announced provider when none is Parley', async () => {
    const other = new FakeProvider();
    const found = await discoverProvider({ window: windowWith({ rdns: 'com.example.other', provider: other }), timeoutMs: 20 });
    expect(found.provider).toBe(other);
  });

  it('ignores announcements without a usable provider', async () => {
    const win = windowWith({ rdns: PARLEY_RDNS, provider: { request: 'not a function' } }, { rdns: PARLEY_RDNS, provider: null });
    await expect(discoverProvider({ window: win, timeoutMs: 20 })).rejects.toBeInstanceOf(ProviderNotFoundError);
  });

  it('falls back to window.xmtp when nothing announces', async () => {
    const win = windowWith();
    const provider = new FakeProvider();
    win.xmtp = provider;
    expect((await discoverProvider({ window: win, timeoutMs: 20 })).provider).toBe(provider);
  });

  it('rejects with ProviderNotFoundError (EIP-1193 4900) when there is no provider', async () => {
    const error = await discoverProvider({ window: windowWith(), timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderNotFoundError);
    expect(error).toMatchObject({ code: 4900, parleyCode: 'Sdk.ProviderNotFound' });
  });

  it('finds the real inpage provider through its announcement', async () => {
    const win = new FakeWindow('http://localhost:5173');
    const provider = createProvider(win);
    announceProvider(win, provider, info(PARLEY_RDNS));
    expect((await discoverProvider({ window: win })).provider).toBe(provider);
  });

  it('never throws on hostile announcement details', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (detail) => {
        const win = new EventTarget();
        win.addEventListener(REQUEST_PROVIDER_EVENT, () => win.dispatchEvent(new CustomEvent(ANNOUNCE_PROVIDER_EVENT, { detail })));
        const result = await discoverProvider({ window: win, timeoutMs: 1 }).catch((e: unknown) => e);
        expect(result).toBeInstanceOf(ProviderNotFoundError);
      }),
      { numRuns: 50 },
    );
  });
});

describe('Parley.connect', () => {
  it('requests access with the scope asked for, then reads the inbox', async () => {
    const provider = grantedProvider();
    const client = await Parley.connect({ window: windowWith({ rdns: PARLEY_RDNS, provider }), scope: 'inbox' });
    expect(provider.calls.map((c) => c.method)).toEqual(['xmtp_requestAccess', 'xmtp_getInbox']);
    expect(provider.calls[0]?.params).toEqual({ scope: 'inbox' });
    expect(client.inboxId).toBe(ALICE.inboxId);
    expect(client.address).toBe(ALICE.address);
    expect(client.installationId).toBe(ALICE.installationId);
    expect(client.access.scope).toBe('inbox');
  });

  it('rejects with the user-rejected error when the user says no', async () => {
    const provider = new FakeProvider().handle('xmtp_requestAccess', () => {
      throw { code: 4001, message: 'The user rejected the request.', data: { code: 'Rpc.UserRejected' } };
    });
    const error = await Parley.connect({ provider }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 4001, parleyCode: 'Rpc.UserRejected', userRejected: true });
    expect(provider.calls.map((c) => c.method)).toEqual(['xmtp_requestAccess']);
  });
});
