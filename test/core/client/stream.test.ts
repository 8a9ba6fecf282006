import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedMessage } from '../../../src/core/client';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

async function take<T>(iterable: AsyncIterable<T>, count: number, keep: (value: T) => boolean): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const value of iterable) {
    if (!keep(value)) continue;
    out.push(value);
    if (out.length === count) break;
  }
  return out;
}

const isText = (m: DecodedMessage) => m.content?.type === 'text';

describe('streams', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('streamAllMessages delivers messages sent after it started, in new conversations too, and stops on return()', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const dm = await alice.client.conversations.createDm(bob.address);
    await bob.client.conversations.sync();

    const stream = bob.client.conversations.streamAllMessages();
    const received = take(stream, 3, isText);
    await dm.sendText('one');
    await dm.sendText('two');
    const group = await alice.client.conversations.createGroup([bob.address], { name: 'later' });
    await group.sendText('three, in a new group');

    const messages = await received;
    expect(messages.map((m) => (m.content?.type === 'text' ? m.content.text : ''))).toEqual(['one', 'two', 'three, in a new group']);
    expect(messages.map((m) => m.conversationId)).toEqual([dm.id, dm.id, group.id]);
    expect(stream.ended).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('streamAllMessages applies a backlog of 40 messages exactly once and in order', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address]);
    await bob.client.conversations.sync();
    const sent = Array.from({ length: 40 }, (_, i) => `backlog ${i}`);
    for (const text of sent) await group.sendText(text);

    // The subscription catches up from Bob's cursor: the backlog arrives as fast as it is read.
    const stream = bob.client.conversations.streamAllMessages();
    const messages = await take(stream, sent.length, isText);
    expect(messages.map((m) => (m.content?.type === 'text' ? m.content.text : ''))).toEqual(sent);
    const bobsGroup = await bob.client.conversations.getConversationById(group.id);
    const stored = (await bobsGroup!.messages()).filter(isText);
    expect(stored.map((m) => (m.content?.type === 'text' ? m.content.text : ''))).toEqual(sent);
    expect(new Set(stored.map((m) => m.sequenceId)).size).toBe(sent.length);
  });

  it('stream() yields conversations others start, and an AbortSignal ends it', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const abort = new AbortController();
    const stream = bob.client.conversations.stream({ signal: abort.signal });
    const first = stream.next();
    const group = await alice.client.conversations.createGroup([bob.address], { name: 'new' });
    const { value } = await first;
    expect(value?.id).toBe(group.id);
    abort.abort();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});

describe('closing a client', () => {
  it('ends its streams', async () => {
    const network = await startTestNetwork();
    try {
      const alice = await newUser(network);
      const messages = alice.client.conversations.streamAllMessages();
      const conversations = alice.client.conversations.stream();
      const pending = messages.next();
      alice.client.close();
      expect(await pending).toEqual({ value: undefined, done: true });
      expect(await conversations.next()).toEqual({ value: undefined, done: true });
    } finally {
      await network.stop();
    }
  });
});
