import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyIdentityUpdate,
  ethereumIdentifier,
  IdentityUpdateBuilder,
  inboxIdFor,
  installationIdentifier,
  memberKey,
  signerMember,
  type AssociationState,
  type Member,
} from '../../../src/core/identity';
import { membershipDiff, type IdentityStateAt } from '../../../src/core/mls/membershipDiff';
import { expectCode, installation, signedUpdate, T0, wallet } from '../identity/helpers';

/** An association state holding exactly these installations: membershipDiff reads nothing else. */
function stateWith(inboxId: string, keys: readonly Uint8Array[]): AssociationState {
  const members = new Map<string, Member>(
    keys.map((publicKey, i) => {
      const identifier = installationIdentifier(publicKey);
      return [memberKey(identifier), { identifier, addedBy: undefined, clientTimestampNs: BigInt(i + 1), addedOnChainId: undefined }];
    }),
  );
  return {
    inboxId,
    members,
    recoveryIdentifier: ethereumIdentifier('0x0000000000000000000000000000000000000001'),
    seenSignatures: new Set(),
    updateCount: keys.length,
  };
}

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const hexes = (keys: readonly Uint8Array[]): string[] => keys.map(bytesToHex).sort();

/** Identity logs as a table: inbox → sequence id → installation keys (by number). */
function logs(table: Record<string, Record<string, number[]>>): IdentityStateAt & { calls: string[] } {
  const calls: string[] = [];
  const lookup = (inboxId: string, sequenceId: bigint) => {
    calls.push(`${inboxId}@${sequenceId}`);
    const keys = table[inboxId]?.[sequenceId.toString()];
    return Promise.resolve(keys === undefined ? undefined : stateWith(inboxId, keys.map(key)));
  };
  return Object.assign(lookup, { calls });
}

describe('membershipDiff', () => {
  it('adds every installation of a new inbox, as of its sequence id', async () => {
    const identityStateAt = logs({ bob: { '5': [1], '9': [1, 2] } });
    const diff = await membershipDiff({
      oldMembership: new Map([['alice', 3n]]),
      newMembership: new Map([
        ['alice', 3n],
        ['bob', 9n],
      ]),
      identityStateAt,
    });
    expect(diff).toMatchObject({ addedInboxes: ['bob'], removedInboxes: [], updatedInboxes: [] });
    expect(hexes(diff.installationsToAdd)).toEqual(hexes([key(1), key(2)]));
    expect(diff.installationsToRemove).toEqual([]);
    // Unchanged members cost no lookup.
    expect(identityStateAt.calls).toEqual(['bob@9']);
  });

  it('adds what an updated inbox gained and removes what it revoked', async () => {
    const diff = await membershipDiff({
      oldMembership: new Map([['carol', 4n]]),
      newMembership: new Map([['carol', 8n]]),
      identityStateAt: logs({ carol: { '4': [1, 2], '8': [2, 3] } }),
    });
    expect(diff.updatedInboxes).toEqual(['carol']);
    expect(hexes(diff.installationsToAdd)).toEqual(hexes([key(3)]));
    expect(hexes(diff.installationsToRemove)).toEqual(hexes([key(1)]));
  });

  it('removes every installation a removed inbox had at its old sequence id', async () => {
    const diff = await membershipDiff({
      oldMembership: new Map([
        ['alice', 3n],
        ['dave', 6n],
      ]),
      newMembership: new Map([['alice', 3n]]),
      identityStateAt: logs({ dave: { '6': [4, 5], '7': [4, 5, 6] } }),
    });
    expect(diff.removedInboxes).toEqual(['dave']);
    expect(hexes(diff.installationsToRemove)).toEqual(hexes([key(4), key(5)]));
  });

  it('reads an old sequence id of 0 as "from the beginning", as a new group lists its creator', async () => {
    const identityStateAt = logs({ alice: { '3': [1, 2] } });
    const diff = await membershipDiff({
      oldMembership: new Map([['alice', 0n]]),
      newMembership: new Map([['alice', 3n]]),
      identityStateAt,
    });
    expect(diff.updatedInboxes).toEqual(['alice']);
    expect(hexes(diff.installationsToAdd)).toEqual(hexes([key(1), key(2)]));
    expect(identityStateAt.calls).toEqual(['alice@3']);
  });

  it('refuses a membership entry that names no identity update (Mls.IdentityStateMissing)', async () => {
    const identityStateAt = logs({ bob: { '5': [1] } });
    await expectCode(
      membershipDiff({ oldMembership: new Map(), newMembership: new Map([['bob', 6n]]), identityStateAt }),
      'Mls.IdentityStateMissing',
    );
    // libxmtp's get_association_state fails on 0 too: a removed inbox must have a real entry.
    await expectCode(
      membershipDiff({ oldMembership: new Map([['bob', 0n]]), newMembership: new Map(), identityStateAt }),
      'Mls.IdentityStateMissing',
    );
  });

  it('follows a real identity log: an added installation, then a revoked one', async () => {
    const owner = wallet(41);
    const [phone, laptop] = [installation(41), installation(42)];
    const inboxId = inboxIdFor(owner.identifier);
    const eth = ethereumIdentifier(owner.identifier);
    const created = await applyIdentityUpdate(
      undefined,
      await signedUpdate(new IdentityUpdateBuilder(inboxId, T0).createInbox(eth).addAssociation(signerMember(phone), eth), [owner, phone]),
    );
    const added = await applyIdentityUpdate(
      created.state,
      await signedUpdate(new IdentityUpdateBuilder(inboxId, T0 + 1n).addAssociation(signerMember(laptop), eth), [owner, laptop]),
    );
    const revoked = await applyIdentityUpdate(
      added.state,
      await signedUpdate(new IdentityUpdateBuilder(inboxId, T0 + 2n).revokeAssociation(eth, signerMember(phone)), [owner]),
    );
    const states = new Map([
      [10n, created.state],
      [11n, added.state],
      [12n, revoked.state],
    ]);
    const identityStateAt: IdentityStateAt = (_inbox, sequenceId) => Promise.resolve(states.get(sequenceId));

    const grown = await membershipDiff({ oldMembership: new Map([[inboxId, 10n]]), newMembership: new Map([[inboxId, 11n]]), identityStateAt });
    expect(hexes(grown.installationsToAdd)).toEqual(hexes([laptop.publicKey]));
    expect(grown.installationsToRemove).toEqual([]);
    const shrunk = await membershipDiff({ oldMembership: new Map([[inboxId, 11n]]), newMembership: new Map([[inboxId, 12n]]), identityStateAt });
    expect(shrunk.installationsToAdd).toEqual([]);
    expect(hexes(shrunk.installationsToRemove)).toEqual(hexes([phone.publicKey]));
  });

  /**
   * A random world: inboxes whose logs give each sequence id 1..4 a set of installations (keys
   * never shared between inboxes), an old membership, and a new one where kept members only move
   * forward. Applying the diff to the installations of the old membership gives those of the new.
   */
  const world = fc
    .array(
      fc.record({
        history: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), { minLength: 4, maxLength: 4 }),
        old: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        next: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      }),
      { maxLength: 6 },
    )
    .map((inboxes) =>
      inboxes.map(({ history, old, next }, i) => ({
        inboxId: `inbox-${i}`,
        // Installation j of inbox i is key 10i + j + 1: unique across inboxes.
        history: history.map((ids) => ids.map((j) => 10 * i + j + 1)),
        old,
        // A kept member's sequence id never goes back (validateCommit refuses that first).
        next: next === undefined ? undefined : Math.min(4, (old ?? 1) + next),
      })),
    );

  it('turns the old installation set into the new one (property)', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (inboxes) => {
        const table: Record<string, Record<string, number[]>> = {};
        for (const { inboxId, history } of inboxes) {
          table[inboxId] = Object.fromEntries(history.map((ids, s) => [String(s + 1), ids]));
        }
        const at = (inboxId: string, s: number | undefined): number[] => (s === undefined ? [] : (table[inboxId]?.[String(s)] ?? []));
        const oldMembership = new Map(inboxes.flatMap((x) => (x.old === undefined ? [] : [[x.inboxId, BigInt(x.old)] as const])));
        const newMembership = new Map(inboxes.flatMap((x) => (x.next === undefined ? [] : [[x.inboxId, BigInt(x.next)] as const])));

        const diff = await membershipDiff({ oldMembership, newMembership, identityStateAt: logs(table) });

        const before = new Set(inboxes.flatMap((x) => at(x.inboxId, x.old)).map((n) => bytesToHex(key(n))));
        const after = new Set(inboxes.flatMap((x) => at(x.inboxId, x.next)).map((n) => bytesToHex(key(n))));
        const added = new Set(diff.installationsToAdd.map(bytesToHex));
        const removed = new Set(diff.installationsToRemove.map(bytesToHex));
        const applied = new Set([...[...before].filter((k) => !removed.has(k)), ...added]);
        expect([...applied].sort()).toEqual([...after].sort());
        // Nothing is removed that was not there, nor added that already was.
        for (const k of removed) expect(before.has(k)).toBe(true);
        for (const k of added) expect(before.has(k)).toBe(false);
        expect(diff.addedInboxes.every((id) => !oldMembership.has(id) && newMembership.has(id))).toBe(true);
        expect(diff.removedInboxes.every((id) => oldMembership.has(id) && !newMembership.has(id))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
