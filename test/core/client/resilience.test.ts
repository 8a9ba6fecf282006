import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type DecodedMessage, type Group } from '../../../src/core/client';
import { ParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { parseGroupMessageFraming } from '../../../src/core/mls/framing';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

describe('resilience', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('a message stream resubscribes from its cursor after the connection breaks', async () => {
    const alice = await newUser(network);
    const base = network.api();
    let breaks = 1;
    const flaky: NetworkApi = Object.create(base) as NetworkApi;
    flaky.subscribeGroupMessages = (request, opts) => {
      const inner = base.subscribeGroupMessages(request, opts);
      if (breaks-- <= 0) return inner;
      // The first subscription delivers one message, then the connection drops.
      return (async function* () {
        for await (const message of inner) {
          yield message;
          throw new ParleyError('Api.Unavailable', 'connection reset (test)');
        }
      })();
    };
    const bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: flaky, store: createMemoryStore() });
    const dm = await alice.client.conversations.createDm(bob.inboxId);
    await bob.conversations.sync();

    const stream = bob.conversations.streamAllMessages();
    const got: DecodedMessage[] = [];
    const done = (async () => {
      for await (const m of stream) {
        if (m.content?.type !== 'text') continue;
        got.push(m);
        if (got.length === 3) break;
      }
    })();
    for (const text of ['before the break', 'during', 'after']) await dm.sendText(text);
    await done;
    expect(got.map((m) => (m.content?.type === 'text' ? m.content.text : ''))).toEqual(['before the break', 'during', 'after']);
    expect(breaks).toBeLessThan(0);
    expect(bob.errors.map((e) => (e as { code?: string }).code)).toContain('Api.Unavailable');
  });

  it('gives up with Client.CommitRetriesExhausted when other commits keep winning the epoch', async () => {
    const alice = await newUser(network);
    const base = network.api();
    let rivalCommits = 0;
    let rival: Group | undefined;
    const contested: NetworkApi = Object.create(base) as NetworkApi;
    contested.sendGroupMessages = async (request, opts) => {
      const data = request.messages[0]?.v1?.data;
      if (rival !== undefined && data !== undefined && parseGroupMessageFraming(data).contentType === 'commit') {
        // Alice's commit always reaches the node first.
        await rival.updateName(`rival ${++rivalCommits}`);
      }
      return base.sendGroupMessages(request, opts);
    };
    const bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: contested, store: createMemoryStore() });
    const group = await alice.client.conversations.createGroup([bob.inboxId]);
    await bob.conversations.sync();
    const bobGroup = (await bob.conversations.getConversationById(group.id)) as Group;
    await bobGroup.sync();

    rival = group;
    await expect(bobGroup.updateDescription('never lands')).rejects.toMatchObject({ code: 'Client.CommitRetriesExhausted' });
    rival = undefined;
    expect(rivalCommits).toBe(5);
    await bobGroup.sync();
    await group.sync();
    expect(bobGroup.description).toBe('');
    expect(bobGroup.epoch).toBe(group.epoch);
    // The intent is gone: a later change goes through.
    await bobGroup.updateDescription('now it lands');
    await group.sync();
    expect(group.description).toBe('now it lands');
  });
});
