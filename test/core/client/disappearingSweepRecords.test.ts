import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type ClientStore, type DecodedMessage } from '../../../src/core/client';
import { nsFromDate } from '../../../src/core/client/bytes';
import { generateWalletPrivateKey, privateKeySigner, type WalletSigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

const SECOND_NS = 1_000_000_000n;
const PLAIN_GROUPS = 8;

/** The store, counting the MLS state reads that loading a group makes. */
function countingStateReads(store: ClientStore): { store: ClientStore; reads(): number } {
  let reads = 0;
  const counted: ClientStore = Object.create(store) as ClientStore;
  counted.getGroupState = (groupId) => {
    reads++;
    return store.getGroupState(groupId);
  };
  return { store: counted, reads: () => reads };
}

/** A client process over `store` whose clock stands at `nowNs` (a restart: no group in memory). */
function restart(network: TestNetwork, signer: WalletSigner, store: ClientStore, nowNs: bigint): Promise<Client> {
  return Client.create(signer, { api: network.api(), store, now: () => new Date(Number(nowNs / 1_000_000n)) });
}

function byText(messages: readonly DecodedMessage[], text: string): DecodedMessage {
  const found = messages.find((m) => m.content?.type === 'text' && m.content.text === text);
  if (found === undefined) throw new Error(`no message "${text}"`);
  return found;
}

describe('the disappearing sweep reads settings from the group records', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('after a restart, sweeps the groups with settings and loads no MLS state; a record from before the field is swept once and recorded', async () => {
    const alice = await newUser(network);
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobStore = createMemoryStore();
    const bob = await Client.create(bobSigner, { api: network.api(), store: bobStore });

    const plain = [];
    for (let i = 0; i < PLAIN_GROUPS; i++) plain.push(await alice.client.conversations.createGroup([bob.inboxId]));
    await plain[0]!.sendText('kept');
    // Settings made at creation reach bob in the welcome; settings set later, in a commit.
    const fromWelcome = await alice.client.conversations.createGroup([bob.inboxId], { messageDisappearingSettings: { fromNs: 1n, inNs: SECOND_NS } });
    const fromCommit = await alice.client.conversations.createGroup([bob.inboxId]);
    await bob.conversations.syncAll();
    await fromCommit.updateMessageDisappearingSettings(1n, SECOND_NS);
    await fromWelcome.sendText('fades (welcome)');
    await fromCommit.sendText('fades (commit)');
    await bob.conversations.syncAll();
    expect((await alice.store.getGroup(fromWelcome.id))?.disappearing).toEqual({ fromNs: 1n, inNs: SECOND_NS });
    // Alice's own commit, merged when the node shows it back, records them too.
    expect((await alice.store.getGroup(fromCommit.id))?.disappearing).toEqual({ fromNs: 1n, inNs: SECOND_NS });
    expect((await bobStore.getGroup(fromCommit.id))?.disappearing).toEqual({ fromNs: 1n, inNs: SECOND_NS });
    expect((await bobStore.getGroup(plain[1]!.id))?.disappearing).toBeNull();

    const kept = byText(await (await bob.conversations.getConversationById(plain[0]!.id))!.messages(), 'kept');
    const fadingIds = [];
    for (const [group, text] of [
      [fromWelcome, 'fades (welcome)'],
      [fromCommit, 'fades (commit)'],
    ] as const) {
      fadingIds.push(byText(await (await bob.conversations.getConversationById(group.id))!.messages(), text).id);
    }
    bob.close();
    const later = nsFromDate(new Date()) + 3600n * SECOND_NS;

    // A new process: the records say which groups have settings; no state is decoded.
    const counted = countingStateReads(bobStore);
    const bob2 = await restart(network, bobSigner, counted.store, later);
    const readsBefore = counted.reads();
    expect(await bob2.conversations.disappearingSweep.sweepAll()).toBe(2);
    expect(counted.reads() - readsBefore).toBe(0);
    for (const id of fadingIds) expect(await bobStore.getMessage(id)).toBeUndefined();
    expect(await bobStore.getMessage(kept.id)).toBeDefined();
    bob2.close();

    // Records written before the field existed: each group's state is read once and the settings recorded.
    const late = {
      ...(await bobStore.getMessage(kept.id))!,
      id: 'ab'.repeat(32),
      groupId: fromWelcome.id,
      sentAtNs: later,
    };
    await bobStore.commit([
      { op: 'putMessage', record: late },
      ...(await bobStore.listGroups()).map((record) => {
        const { disappearing: _dropped, ...legacy } = record;
        return { op: 'putGroup', record: legacy } as const;
      }),
    ]);
    expect((await bobStore.getGroup(fromWelcome.id))?.disappearing).toBeUndefined();
    const lateClock = later + 3600n * SECOND_NS;
    const bob4 = await restart(network, bobSigner, counted.store, lateClock);
    const readsBeforeLegacy = counted.reads();
    expect(await bob4.conversations.disappearingSweep.sweepAll()).toBe(1);
    expect(counted.reads()).toBeGreaterThan(readsBeforeLegacy);
    expect(await bobStore.getMessage(late.id)).toBeUndefined();
    const recorded = new Map((await bobStore.listGroups()).map((r) => [r.id, r.disappearing]));
    expect(recorded.get(fromWelcome.id)).toEqual({ fromNs: 1n, inNs: SECOND_NS });
    expect(recorded.get(fromCommit.id)).toEqual({ fromNs: 1n, inNs: SECOND_NS });
    for (const group of plain) expect(recorded.get(group.id)).toBeNull();
    expect(texts(await (await bob4.conversations.getConversationById(plain[0]!.id))!.messages())).toEqual(['kept']);
    bob4.close();

    // Recorded once: the next process decodes nothing again.
    const bob5 = await restart(network, bobSigner, counted.store, lateClock);
    const readsAfterRecord = counted.reads();
    expect(await bob5.conversations.disappearingSweep.sweepAll()).toBe(0);
    expect(counted.reads() - readsAfterRecord).toBe(0);
    bob5.close();
  });
});
