import fc from 'fast-check';
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  emptyPskIndex,
  encodeGroupState,
  joinGroup,
  processPrivateMessage,
} from 'ts-mls';
import type { ClientState, PrivateMessage } from 'ts-mls';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { secretTreeEncoder, type SecretTreeNode } from 'ts-mls/secretTree.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SECRET_BASE_SUFFIX,
  groupStateOps,
  loadGroupState,
  maxDeltaNodes,
  xmtpClientConfig,
  type PersistedGroupState,
} from '../../../src/core/client/groupState';
import { createMemoryStore } from '../../../src/core/client/memoryStore';
import type { ClientStore, GroupStateRecord, StoreOp } from '../../../src/core/client/store';
import { isParleyError } from '../../../src/core/errors';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { newGroupExtensions } from '../../../src/core/mls/groupContext';
import { createXmtpKeyPackage } from '../../../src/core/mls/keyPackage';
import { newInstallationKey, randomInboxId } from '../mls/keyPackageTestKit';

type Cs = Awaited<ReturnType<typeof getXmtpCiphersuiteImpl>>;

/** ts-mls's own whole-state codec is the reference for "the same state". */
function reference(state: ClientState): unknown {
  return decodeGroupState(encodeGroupState(state), 0)?.[0];
}

/** Loads what the store holds and checks it is `state`. */
async function expectStored(store: ClientStore, groupId: string, state: ClientState): Promise<{ state: ClientState; persisted: PersistedGroupState }> {
  const loaded = await loadGroupState(store, groupId);
  if (loaded === undefined) throw new Error('nothing stored');
  const { clientConfig: _c, ...decoded } = loaded.state;
  expect(decoded).toEqual(reference(state));
  return loaded;
}

function written(ops: readonly StoreOp[]): string[] {
  return ops.map((o) => (o.op === 'putGroupState' ? o.record.groupId : o.op));
}

function record(ops: readonly StoreOp[], groupId: string): GroupStateRecord {
  const op = ops.find((o) => o.op === 'putGroupState' && o.record.groupId === groupId);
  if (op?.op !== 'putGroupState') throw new Error(`no record ${groupId}`);
  return op.record;
}

/** A group of `size` members made with ts-mls directly: the creator's state and every joiner's. */
async function rawGroup(cs: Cs, size: number): Promise<{ creator: ClientState; joiners: ClientState[] }> {
  const member = async () => {
    const inboxId = randomInboxId();
    return { inboxId, ...(await createXmtpKeyPackage({ inboxId, installationKey: newInstallationKey(), now: new Date() })) };
  };
  const creator = await member();
  const others = await Promise.all(Array.from({ length: size - 1 }, member));
  const created = await createGroup(
    crypto.getRandomValues(new Uint8Array(16)),
    creator.keyPackage,
    creator.privatePackage,
    newGroupExtensions({ creatorInboxId: creator.inboxId, creatorSequenceId: 0n }),
    cs,
    xmtpClientConfig(),
  );
  const commit = await createCommit(
    { state: created, cipherSuite: cs },
    { extraProposals: others.map((m) => ({ proposalType: 'add' as const, add: { keyPackage: m.keyPackage } })), ratchetTreeExtension: true },
  );
  const welcome = commit.welcome;
  if (welcome === undefined) throw new Error('no welcome');
  const joiners = await Promise.all(
    others.map((m) => joinGroup(welcome, m.keyPackage, m.privatePackage, emptyPskIndex, cs, undefined, undefined, xmtpClientConfig())),
  );
  return { creator: commit.newState, joiners };
}

describe('a group state stored as epoch part, secret-tree base and changed nodes', () => {
  let cs: Cs;
  beforeAll(async () => {
    cs = await getXmtpCiphersuiteImpl();
  });

  it('a member receiving from more senders than the changed-node record holds rewrites the base, and every step loads back', async () => {
    const { creator, joiners } = await rawGroup(cs, 11);
    const limit = maxDeltaNodes(creator.secretTree.length);
    expect(joiners.length).toBeGreaterThan(limit);
    const store = createMemoryStore();
    let first = groupStateOps('0a', creator);
    expect(written(first.ops)).toEqual(['0a/secrets', '0a', '0a/epoch']);
    await store.commit(first.ops);
    const baseSize = record(first.ops, '0a' + SECRET_BASE_SUFFIX).state.length;
    let state = creator;
    let persisted = first.persisted;
    const perMessage: number[] = [];
    for (const [i, joiner] of joiners.entries()) {
      const sent = await createApplicationMessage(joiner, new TextEncoder().encode(`from ${i}`), cs);
      const received = await processPrivateMessage(state, sent.privateMessage as PrivateMessage, emptyPskIndex, cs);
      if (received.kind !== 'applicationMessage') throw new Error('not an application message');
      state = received.newState;
      const step = groupStateOps('0a', state, persisted);
      // Senders 1..limit only add to the changed nodes; the next one no longer fits and rewrites the base.
      expect(written(step.ops)).toEqual(i < limit ? ['0a'] : i === limit ? ['0a/secrets', '0a'] : ['0a']);
      perMessage.push(record(step.ops, '0a').state.length);
      await store.commit(step.ops);
      // A restart from what is stored goes on writing only the changed nodes.
      const loaded = await expectStored(store, '0a', state);
      expect(written(groupStateOps('0a', loaded.state, loaded.persisted).ops)).toEqual(['0a']);
      persisted = step.persisted;
    }
    // The per-message record grows with the senders since the base, not with the tree.
    expect(perMessage[0]!).toBeLessThan(baseSize / 8);
    expect(perMessage[limit]!).toBeLessThan(perMessage[0]!);
    first = groupStateOps('0a', state);
    expect(written(first.ops)).toEqual(['0a/secrets', '0a', '0a/epoch']);
  });

  it('changed nodes round-trip for any set of changed nodes', async () => {
    const { creator } = await rawGroup(cs, 5);
    const first = groupStateOps('0b', creator);
    const nodes = creator.secretTree.length;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat({ max: nodes - 1 }), { maxLength: nodes }),
        fc.nat({ max: 1000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (indexes, generation, secret) => {
          const tree = creator.secretTree.slice();
          for (const index of indexes) {
            const node = tree[index] as SecretTreeNode;
            tree[index] = { ...node, application: { secret, generation, unusedGenerations: { [generation]: secret.slice().reverse() } } };
          }
          const state: ClientState = { ...creator, secretTree: tree };
          const store = createMemoryStore();
          await store.commit(first.ops);
          const step = groupStateOps('0b', state, first.persisted);
          expect(written(step.ops)).toEqual(indexes.length > maxDeltaNodes(nodes) ? ['0b/secrets', '0b'] : ['0b']);
          await store.commit(step.ops);
          await expectStored(store, '0b', state);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses changed nodes of another base, and random or damaged records give typed errors', async () => {
    const { creator, joiners } = await rawGroup(cs, 3);
    const store = createMemoryStore();
    const first = groupStateOps('0c', creator);
    await store.commit(first.ops);
    const sent = await createApplicationMessage(joiners[0]!, new Uint8Array([1]), cs);
    const received = await processPrivateMessage(creator, sent.privateMessage as PrivateMessage, emptyPskIndex, cs);
    if (received.kind !== 'applicationMessage') throw new Error('not an application message');
    const step = groupStateOps('0c', received.newState, first.persisted);
    await store.commit(step.ops);
    // A base written anew (serial 2) next to changed nodes of the first base: never mixed.
    const rebased = groupStateOps('0c', received.newState, { ...step.persisted, secretBase: { ...step.persisted.secretBase!, epoch: -1n } });
    expect(written(rebased.ops)).toEqual(['0c/secrets', '0c']);
    await store.commit([rebased.ops[0]!]);
    await expect(loadGroupState(store, '0c')).rejects.toMatchObject({ code: 'Codec.Malformed' });
    await store.commit(rebased.ops);
    await expectStored(store, '0c', received.newState);

    const main = record(step.ops, '0c');
    const base = record(first.ops, '0c/secrets');
    const epochPart = record(first.ops, '0c/epoch');
    const typedOrValue = async (records: GroupStateRecord[]) => {
      const s = createMemoryStore();
      await s.commit(records.map((r) => ({ op: 'putGroupState', record: r })));
      try {
        await loadGroupState(s, '0c');
      } catch (e) {
        expect(isParleyError(e), String(e)).toBe(true);
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }), async (m, b) => {
        await typedOrValue([{ ...main, state: m }, base, epochPart]);
        await typedOrValue([main, { ...base, state: b }, epochPart]);
      }),
    );
    for (const target of [main, base]) {
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: target.state.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
          const damaged = target.state.slice();
          damaged.set([(damaged[at] ?? 0) ^ flip], at);
          const records = [main, base, epochPart].map((r) => (r === target ? { ...r, state: damaged } : r));
          await typedOrValue(records);
        }),
        { numRuns: 100 },
      );
    }
  });

  it('still reads a per-message record that holds the whole secret tree (format 2), then writes a base', async () => {
    const { creator } = await rawGroup(cs, 3);
    const first = groupStateOps('0d', creator);
    const whole = encode(secretTreeEncoder)(creator.secretTree);
    const old: GroupStateRecord = { groupId: '0d', epoch: creator.groupContext.epoch, ratchetTree: new Uint8Array(), state: new Uint8Array([0x50, 0x4d, 0x02, ...whole]) };
    const store = createMemoryStore();
    await store.commit([{ op: 'putGroupState', record: old }, { op: 'putGroupState', record: record(first.ops, '0d/epoch') }]);
    const loaded = await expectStored(store, '0d', creator);
    expect(loaded.persisted.secretBase).toBeUndefined();
    expect(written(groupStateOps('0d', loaded.state, loaded.persisted).ops)).toEqual(['0d/secrets', '0d']);
  });
});
