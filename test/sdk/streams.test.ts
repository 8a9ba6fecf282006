import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Parley, StreamOverflowError } from '../../src/sdk/index';
import type { Message } from '../../src/sdk/index';
import { ALICE, BOB_ADDRESS, BOB_INBOX, conversation, grantedProvider, message } from './fakeProvider';

async function setup() {
  const provider = grantedProvider().handle('xmtp_createDm', () => conversation('0d', 'dm'));
  const client = await Parley.connect({ provider });
  return { provider, client };
}

describe('message streams', () => {
  it('yields message events in order, including those sent before the first read', async () => {
    const { provider, client } = await setup();
    const stream = client.conversations.streamAllMessages();
    provider.emit('message', message('0d', 'one', 1));
    provider.emit('message', message('0e', 'two', 2));
    const got: string[] = [];
    const reading = (async () => {
      for await (const m of stream) {
        got.push((m.content as { text: string }).text);
        if (got.length === 3) break;
      }
    })();
    await Promise.resolve();
    provider.emit('message', message('0d', 'three', 3));
    await reading;
    expect(got).toEqual(['one', 'two', 'three']);
    expect(provider.listenerCount('message')).toBe(0);
  });

  it('return() stops the stream and removes its listeners', async () => {
    const { provider, client } = await setup();
    const stream = client.conversations.streamAllMessages();
    const pending = stream.next();
    expect(provider.listenerCount('message')).toBe(1);
    expect(provider.listenerCount('disconnect')).toBe(1);
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(provider.listenerCount('message')).toBe(0);
    expect(provider.listenerCount('disconnect')).toBe(0);
    provider.emit('message', message('0d', 'late'));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('a conversation streams only its own messages', async () => {
    const { provider, client } = await setup();
    const dm = await client.conversations.createDm('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
    const stream = dm.streamMessages();
    provider.emit('message', message('0e', 'other', 1));
    provider.emit('message', message('0d', 'mine', 2));
    const first = await stream.next();
    expect((first.value as Message).content).toEqual({ type: 'text', text: 'mine' });
    await stream.return();
  });

  it('ends with a 4900 error when the provider disconnects', async () => {
    const { provider, client } = await setup();
    const stream = client.conversations.streamAllMessages();
    const pending = stream.next();
    provider.emit('disconnect', { code: 4900, message: 'The extension went away.' });
    await expect(pending).rejects.toMatchObject({ code: 4900 });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(provider.listenerCount('message')).toBe(0);
  });

  it('ends with StreamOverflowError rather than buffer without bound', async () => {
    const { provider, client } = await setup();
    const stream = client.conversations.streamAllMessages({ bufferLimit: 3 });
    for (let i = 1; i <= 4; i++) provider.emit('message', message('0d', `m${i}`, i));
    expect(provider.listenerCount('message')).toBe(0);
    const texts: string[] = [];
    const error = await (async () => {
      for await (const m of stream) texts.push((m.content as { text: string }).text);
    })().catch((e: unknown) => e);
    expect(texts).toEqual(['m1', 'm2', 'm3']);
    expect(error).toBeInstanceOf(StreamOverflowError);
  });

  it('streams new conversations as Dm and Group objects', async () => {
    const { provider, client } = await setup();
    const stream = client.conversations.stream();
    provider.emit('conversation', conversation('0f', 'group', { name: 'New' }));
    const next = await stream.next();
    expect(next.done).toBe(false);
    expect(next.value).toMatchObject({ id: '0f', kind: 'group', name: 'New' });
    await stream.return?.();
    expect(provider.listenerCount('conversation')).toBe(0);
  });

  it('tells the dApp when its access changes', async () => {
    const { provider, client } = await setup();
    const seen: unknown[] = [];
    const off = client.onAccessChanged((a) => seen.push(a));
    provider.emit('accessChanged', null);
    off();
    provider.emit('accessChanged', null);
    expect(seen).toEqual([null]);
  });

  it('re-reads the inbox before telling the dApp that its grant moved to another identity', async () => {
    const { provider, client } = await setup();
    const bob = { inboxId: BOB_INBOX, address: BOB_ADDRESS, installationId: 'd'.repeat(64) };
    provider.handle('xmtp_getInbox', () => bob);
    const seen: { access: unknown; address: string; inboxId: string }[] = [];
    client.onAccessChanged((access) => seen.push({ access, address: client.address, inboxId: client.inboxId }));
    const moved = { ...client.access, inboxId: bob.inboxId, address: bob.address };
    provider.emit('accessChanged', moved);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual({ access: moved, address: BOB_ADDRESS, inboxId: BOB_INBOX });
    expect(client.access).toEqual(moved);
    // The same inbox again (a scope change) needs no re-read.
    const reads = provider.calls.filter((c) => c.method === 'xmtp_getInbox').length;
    provider.emit('accessChanged', { ...moved, scope: 'inbox' });
    expect(seen[1]).toMatchObject({ address: BOB_ADDRESS });
    expect(provider.calls.filter((c) => c.method === 'xmtp_getInbox').length).toBe(reads);
  });

  it('drops a moved grant whose inbox read was overtaken by a newer event', async () => {
    const { provider, client } = await setup();
    let release!: () => void;
    provider.handle('xmtp_getInbox', () => new Promise((resolve) => (release = () => resolve({ inboxId: BOB_INBOX, address: BOB_ADDRESS, installationId: 'd'.repeat(64) }))));
    const seen: unknown[] = [];
    client.onAccessChanged((access) => seen.push(access));
    provider.emit('accessChanged', { ...client.access, inboxId: BOB_INBOX, address: BOB_ADDRESS });
    provider.emit('accessChanged', null);
    await vi.waitFor(() => expect(release).toBeDefined());
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([null]);
    expect(client.address).toBe(ALICE.address);
  });

  it('yields every event once and in order, however emits and reads interleave', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { maxLength: 60 }), async (steps) => {
        const { provider, client } = await setup();
        const stream = client.conversations.streamAllMessages({ bufferLimit: 100 });
        const sent: string[] = [];
        const reads: Promise<IteratorResult<Message>>[] = [];
        // true: the dApp emits one more event; false: it asks for the next one.
        for (const emit of steps) {
          if (emit) {
            const text = `m${sent.length}`;
            sent.push(text);
            provider.emit('message', message('0d', text, sent.length));
          } else {
            reads.push(stream.next());
          }
        }
        const pending = reads.length;
        // Ask for whatever was emitted and not yet read, then stop: unread reads end as done.
        for (let i = pending; i < sent.length; i++) reads.push(stream.next());
        await stream.return();
        const got = (await Promise.all(reads)).filter((r) => !r.done).map((r) => (r.value.content as { text: string }).text);
        expect(got).toEqual(sent);
        expect(provider.listenerCount('message')).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
