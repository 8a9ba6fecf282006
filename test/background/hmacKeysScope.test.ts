import { describe, expect, it } from 'vitest';
import { createHarness } from './harness';
import { ALICE } from './validDappParams';

const DAPP = 'https://dapp.example';
const OTHER = 'https://other.example';

type Keys = { conversationId: string; groupId: string; topic: string }[];

describe('xmtp_hmacKeys: push-filter keys of the site’s conversations only', () => {
  it('gives a site-scoped origin the keys of what it sees, never of another site’s conversations', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const other = await h.grant(OTHER, 'site');
    const created = (await dapp.request('xmtp_createDm', { identifier: ALICE })).result as { id: string };
    const othersOwn = h.messaging.add({ appDataOrigin: OTHER });
    h.messaging.add({});

    const all = (await dapp.request('xmtp_hmacKeys', {})).result as Keys;
    expect(all.map((k) => k.conversationId)).toEqual([created.id]);
    expect(all[0]!.topic).toBe(`/xmtp/mls/1/g-${created.id}/proto`);
    expect(((await dapp.request('xmtp_hmacKeys', { conversationId: created.id })).result as Keys).map((k) => k.groupId)).toEqual([created.id]);
    // Another site's conversation is "not found", as for every other method.
    expect((await dapp.request('xmtp_hmacKeys', { conversationId: othersOwn.id })).error).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    expect(((await other.request('xmtp_hmacKeys')).result as Keys).map((k) => k.conversationId)).toEqual([othersOwn.id]);
  });

  it('gives an inbox-scoped origin every conversation’s keys but the denied ones', async () => {
    const h = await createHarness();
    await h.onboard();
    const inbox = await h.grant(DAPP, 'inbox');
    const a = h.messaging.add({});
    const b = h.messaging.add({ consentState: 'unknown' });
    const denied = h.messaging.add({ consentState: 'denied' });
    expect(((await inbox.request('xmtp_hmacKeys')).result as Keys).map((k) => k.conversationId)).toEqual([a.id, b.id]);
    expect((await inbox.request('xmtp_hmacKeys', { conversationId: denied.id })).error).toMatchObject({ data: { code: 'Rpc.NotFound' } });
  });

  it('refuses bad params before anything else', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    for (const params of [{ conversationId: 'XYZ' }, { conversationId: 7 }, { conversationId: 'a' }, 'aa', [1]]) {
      expect((await dapp.request('xmtp_hmacKeys', params)).error, JSON.stringify(params)).toMatchObject({ code: -32602, data: { code: 'Rpc.InvalidParams' } });
    }
  });
});
