import { describe, expect, it } from 'vitest';
import { createHarness } from './harness';
import { ALICE } from './validDappParams';

const DAPP = 'https://dapp.example';
const OTHER = 'https://other.example';

describe('xmtp_updateKeys: a self-update in a conversation the site sees', () => {
  it('updates the keys of a site-scoped origin’s own conversation, never of another site’s', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const created = (await dapp.request('xmtp_createDm', { identifier: ALICE })).result as { id: string };
    const othersOwn = h.messaging.add({ appDataOrigin: OTHER });

    expect((await dapp.request('xmtp_updateKeys', { conversationId: created.id })).result).toBe(true);
    expect(h.messaging.keyUpdates).toEqual([created.id]);
    // Another site's conversation is "not found", as for every other method, and nothing is committed.
    expect((await dapp.request('xmtp_updateKeys', { conversationId: othersOwn.id })).error).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    expect(h.messaging.keyUpdates).toEqual([created.id]);
  });

  it('lets an inbox-scoped origin update any conversation but a denied one', async () => {
    const h = await createHarness();
    await h.onboard();
    const inbox = await h.grant(DAPP, 'inbox');
    const unknown = h.messaging.add({ consentState: 'unknown' });
    const denied = h.messaging.add({ consentState: 'denied' });
    expect((await inbox.request('xmtp_updateKeys', { conversationId: unknown.id })).result).toBe(true);
    expect((await inbox.request('xmtp_updateKeys', { conversationId: denied.id })).error).toMatchObject({ data: { code: 'Rpc.NotFound' } });
    expect(h.messaging.keyUpdates).toEqual([unknown.id]);
  });

  it('refuses bad params before anything else', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    for (const params of [undefined, {}, { conversationId: 'XYZ' }, { conversationId: 7 }, 'aa', [1]]) {
      expect((await dapp.request('xmtp_updateKeys', params)).error, JSON.stringify(params)).toMatchObject({ code: -32602, data: { code: 'Rpc.InvalidParams' } });
    }
    expect(h.messaging.keyUpdates).toEqual([]);
  });
});
