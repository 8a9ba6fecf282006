import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedMessage, Dm } from '../../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

/** The application messages of a list, as `text@groupId-prefix` is too brittle: texts only. */
function appTexts(messages: readonly DecodedMessage[]): string[] {
  return texts(messages.filter((m) => m.kind === 'application'));
}

async function onlyDm(user: TestUser): Promise<Dm> {
  const dms = await user.client.conversations.list({ kind: 'dm' });
  expect(dms).toHaveLength(1);
  const [dm] = dms;
  if (dm?.kind !== 'dm') throw new Error('expected one DM');
  return dm;
}

describe('duplicate DMs of one pair are stitched into one conversation', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  /** Both open a DM to the other before either has seen the other's welcome: two MLS groups. */
  async function duplicateDms(alice: TestUser, bob: TestUser): Promise<{ aliceGroup: string; bobGroup: string }> {
    const [fromAlice, fromBob] = await Promise.all([
      alice.client.conversations.createDm(bob.client.inboxId),
      bob.client.conversations.createDm(alice.client.inboxId),
    ]);
    expect(fromAlice.id).not.toBe(fromBob.id);
    return { aliceGroup: fromAlice.id, bobGroup: fromBob.id };
  }

  it('both sides list one DM whose messages are those of both groups, in sent order', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const { aliceGroup, bobGroup } = await duplicateDms(alice, bob);
    // Each writes in the group it made, before knowing of the other.
    await (await alice.client.conversations.handle(aliceGroup)).sendText('alice 1');
    await (await bob.client.conversations.handle(bobGroup)).sendText('bob 1');
    await (await alice.client.conversations.handle(aliceGroup)).sendText('alice 2');

    await alice.client.conversations.syncAll();
    await bob.client.conversations.syncAll();
    expect((await alice.store.listGroups({ kind: 'dm' })).map((g) => g.id).sort()).toEqual([aliceGroup, bobGroup].sort());

    const aliceDm = await onlyDm(alice);
    const bobDm = await onlyDm(bob);
    expect(aliceDm.peerInboxId()).toBe(bob.client.inboxId);
    expect(appTexts(await bobDm.messages())).toEqual(['alice 1', 'bob 1', 'alice 2']);
    expect(appTexts(await aliceDm.messages())).toEqual(['alice 1', 'bob 1', 'alice 2']);
    // Every message of the stitched DM shows under its id, whichever group carried it.
    expect(new Set((await bobDm.messages()).map((m) => m.conversationId))).toEqual(new Set([bobDm.id]));

    // Any group of the pair leads to the stitched DM, and createDm reuses it.
    for (const id of [aliceGroup, bobGroup]) expect((await bob.client.conversations.getConversationById(id))?.id).toBe(bobDm.id);
    expect((await bob.client.conversations.getDmByInboxId(alice.client.inboxId))?.id).toBe(bobDm.id);
    expect((await bob.client.conversations.createDm(alice.address)).id).toBe(bobDm.id);
    expect(await bob.client.conversations.getDmByInboxId(bob.client.inboxId)).toBeUndefined();
    expect(await (await newUser(network)).client.conversations.getDmByInboxId(alice.client.inboxId)).toBeUndefined();
  });

  it('gives the pair one consent, the latest decision on any of its groups, and a decision covers every group', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    await duplicateDms(alice, bob);
    await alice.client.conversations.syncAll();
    // Alice made one group (allowed) and joined bob's (unknown until she decides): the pair is allowed.
    expect(new Set((await alice.store.listGroups({ kind: 'dm' })).map((g) => g.consentState))).toEqual(new Set(['allowed', 'unknown']));
    const dm = await onlyDm(alice);
    expect(await dm.consentState()).toBe('allowed');
    expect(await alice.client.conversations.list({ consentStates: ['unknown'] })).toEqual([]);
    expect((await alice.client.conversations.list({ consentStates: ['allowed'] })).map((c) => c.id)).toEqual([dm.id]);

    await dm.updateConsentState('denied');
    expect((await alice.store.listGroups({ kind: 'dm' })).map((g) => g.consentState)).toEqual(['denied', 'denied']);
    expect(await alice.client.conversations.list({ consentStates: ['allowed', 'unknown'] })).toEqual([]);
    expect((await alice.client.conversations.list({ consentStates: ['denied'] })).map((c) => c.id)).toEqual([dm.id]);
    // A handle on the other group answers for the pair too.
    const other = (await alice.store.listGroups({ kind: 'dm' })).find((g) => g.id !== dm.id)!;
    expect(await (await alice.client.conversations.handle(other.id)).consentState()).toBe('denied');
  });

  it('does not stream a duplicate of a known DM as a new conversation', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const carol = await newUser(network);
    const known = await alice.client.conversations.createDm(bob.client.inboxId);
    const stream = alice.client.conversations.stream();
    try {
      const next = stream.next();
      // Bob has not seen alice's welcome: he makes a second group for the pair, then carol a DM.
      const duplicate = await bob.client.conversations.createDm(alice.client.inboxId);
      expect(duplicate.id).not.toBe(known.id);
      const fromCarol = await carol.client.conversations.createDm(alice.client.inboxId);
      const first = (await next).value as Dm;
      expect(first.id).toBe(fromCarol.id);
      expect((await alice.store.getGroup(duplicate.id))?.dmId).toBe((await alice.store.getGroup(known.id))?.dmId);
    } finally {
      await stream.return?.();
    }
  });

  it('sets disappearing messages on every group of the pair, so they hold wherever the next message goes', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const { aliceGroup, bobGroup } = await duplicateDms(alice, bob);
    await alice.client.conversations.syncAll();
    await (await onlyDm(alice)).updateMessageDisappearingSettings(1n, 5n);
    for (const id of [aliceGroup, bobGroup]) expect((await alice.client.conversations.handle(id)).messageDisappearingSettings()).toEqual({ fromNs: 1n, inNs: 5n });
    // Bob, a member of both groups, sees the settings in each.
    await bob.client.conversations.syncAll();
    for (const id of [aliceGroup, bobGroup]) {
      const handle = await bob.client.conversations.handle(id);
      await handle.sync();
      expect(handle.messageDisappearingSettings()).toEqual({ fromNs: 1n, inNs: 5n });
    }
  });

  it('pages by limit and beforeNs across both groups without gaps or repeats', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const { aliceGroup, bobGroup } = await duplicateDms(alice, bob);
    const aliceHandle = await alice.client.conversations.handle(aliceGroup);
    const bobHandle = await bob.client.conversations.handle(bobGroup);
    for (let i = 0; i < 4; i++) {
      await aliceHandle.sendText(`a${i}`);
      await bobHandle.sendText(`b${i}`);
    }
    await alice.client.conversations.syncAll();
    await bob.client.conversations.syncAll();
    const dm = await onlyDm(bob);
    const all = await dm.messages();
    expect(appTexts(all)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3']);

    // Newest first, three at a time, each page before the oldest of the last one.
    const pages: string[][] = [];
    let beforeNs: bigint | undefined;
    for (;;) {
      const page = await dm.messages({ limit: 3, direction: 'descending', ...(beforeNs === undefined ? {} : { beforeNs }) });
      if (page.length === 0) break;
      pages.push(page.map((m) => m.id));
      beforeNs = page.at(-1)?.sentAtNs;
    }
    expect(pages.every((p) => p.length <= 3)).toBe(true);
    expect(pages.flat()).toEqual(all.map((m) => m.id).reverse());
    expect(appTexts(await dm.messages({ limit: 2, direction: 'descending' }))).toEqual(['b3', 'a3']);
    expect(appTexts(await dm.messages({ afterNs: all.find((m) => appTexts([m])[0] === 'b2')!.sentAtNs }))).toEqual(['a3', 'b3']);
  });

  it('keeps the id of the group it had first, and sends to the group with the latest activity', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const { aliceGroup, bobGroup } = await duplicateDms(alice, bob);
    await (await alice.client.conversations.handle(aliceGroup)).sendText('in alice’s group');
    await bob.client.conversations.syncAll();
    // Bob's newest activity is now alice's message, in her group: his send goes there (as libxmtp
    // would send), while his DM keeps the id of the group he made.
    const bobDm = await onlyDm(bob);
    expect(bobDm.id).toBe(bobGroup);
    const sent = await bobDm.send({ type: 'text', text: 'reply' });
    expect((await bob.store.getMessage(sent))?.groupId).toBe(aliceGroup);
    expect((await onlyDm(bob)).id).toBe(bobGroup);
    await alice.client.conversations.syncAll();
    expect(appTexts(await (await onlyDm(alice)).messages())).toEqual(['in alice’s group', 'reply']);
  });

  it('a consent-filtered stream leaves out a DM message whose pair it cannot read; an unfiltered one shows it', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const { bobGroup } = await duplicateDms(alice, bob);
    await alice.client.conversations.syncAll();
    const bobsHandle = await bob.client.conversations.handle(bobGroup);

    const allowedOnly = alice.client.conversations.streamAllMessages({ consentStates: ['allowed'] });
    const everything = alice.client.conversations.streamAllMessages();
    const listGroups = alice.store.listGroups.bind(alice.store);
    try {
      const nextAllowed = allowedOnly.next();
      const nextAny = everything.next();
      // The pair lookup fails while the first message arrives, and works again for the second.
      let failing = true;
      alice.store.listGroups = (query) => (failing && query?.dmId !== undefined ? Promise.reject(new Error('store unavailable')) : listGroups(query));
      const first = await bobsHandle.send({ type: 'text', text: 'while the store fails' });
      const firstAny = (await nextAny).value as DecodedMessage;
      expect(firstAny.id).toBe(first);
      failing = false;
      const second = await bobsHandle.send({ type: 'text', text: 'after it recovered' });
      expect(((await nextAllowed).value as DecodedMessage).id).toBe(second);
    } finally {
      alice.store.listGroups = listGroups;
      await allowedOnly.return?.();
      await everything.return?.();
      alice.client.close();
    }
  });

  it('streams a message of the other group under the id list() gives the pair, which stays', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const { aliceGroup, bobGroup } = await duplicateDms(alice, bob);
    await alice.client.conversations.syncAll();
    expect((await onlyDm(alice)).id).toBe(aliceGroup);

    const stream = alice.client.conversations.streamAllMessages();
    try {
      // The stream subscribes from the groups' cursors, so what bob sends now reaches it.
      const next = stream.next();
      const sent = await (await bob.client.conversations.handle(bobGroup)).send({ type: 'text', text: 'from bob’s group' });
      expect((await bob.store.getMessage(sent))?.groupId).toBe(bobGroup);
      let streamed = (await next).value as DecodedMessage;
      while (streamed.kind !== 'application') streamed = (await stream.next()).value as DecodedMessage;
      expect(streamed.id).toBe(sent);
      expect((await alice.store.getMessage(sent))?.groupId).toBe(bobGroup);
      // Bob's group now has alice's latest activity (her next send goes there), yet the pair
      // keeps the id she knew it by.
      expect(streamed.conversationId).toBe(aliceGroup);
      expect((await onlyDm(alice)).id).toBe(aliceGroup);
      const reply = await (await onlyDm(alice)).send({ type: 'text', text: 'reply' });
      expect((await alice.store.getMessage(reply))?.groupId).toBe(bobGroup);
    } finally {
      await stream.return?.();
      alice.client.close();
    }
  });
});
