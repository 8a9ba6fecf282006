import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore } from '../../../src/core/client';
import { hmacRootKeyOf } from '../../../src/core/client/hmacRoot';
import { hmacEpoch, senderHmac, senderHmacKey } from '../../../src/core/client/senderHmac';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A NetworkApi that records every group message it sends, with the clock reading at the time. */
function recordingSends(api: NetworkApi, clock: () => Date): { api: NetworkApi; sent: { at: Date; data: Uint8Array; senderHmac: Uint8Array }[] } {
  const sent: { at: Date; data: Uint8Array; senderHmac: Uint8Array }[] = [];
  const wrapped: NetworkApi = Object.create(api) as NetworkApi;
  wrapped.sendGroupMessages = async (request, opts) => {
    for (const m of request.messages) if (m.v1 !== undefined) sent.push({ at: clock(), data: m.v1.data, senderHmac: m.v1.senderHmac });
    return api.sendGroupMessages(request, opts);
  };
  return { api: wrapped, sent };
}

describe('sender HMAC of published group messages', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('signs each message with the key of the 30-day period it is sent in, also after the period turns', async () => {
    let nowMs = Date.now();
    const clock = () => new Date(nowMs);
    const store = createMemoryStore();
    const recording = recordingSends(network.api(), clock);
    const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: recording.api, store, now: clock });
    const bob = await newUser(network);
    const group = await alice.conversations.createGroup([bob.client.inboxId]);
    const first = recording.sent.length;
    await group.sendText('one');
    await group.sendText('two');
    nowMs += 31 * DAY_MS;
    await group.sendText('three in the next period');

    const identity = await store.getIdentity();
    const userKey = hmacRootKeyOf(identity!);
    expect(userKey).toEqual(identity!.hmacRootKey);
    const groupId = Uint8Array.from(Buffer.from(group.id, 'hex'));
    const messages = recording.sent.slice(first);
    // One, two, then the self-update the 31 days brought due before three, and three.
    expect(messages).toHaveLength(4);
    expect(hmacEpoch(messages[2]!.at)).toBeGreaterThan(hmacEpoch(messages[0]!.at));
    expect(hmacEpoch(messages[3]!.at)).toBe(hmacEpoch(messages[2]!.at));
    for (const m of messages) {
      expect(m.senderHmac).toEqual(senderHmac(senderHmacKey(userKey, groupId, hmacEpoch(m.at)), m.data));
    }
  });
});
