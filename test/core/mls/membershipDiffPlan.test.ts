import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { ethereumIdentifier, installationIdentifier, memberKey, type AssociationState, type Member } from '../../../src/core/identity';
import type { IdentityStateAt } from '../../../src/core/mls/membershipDiff';
import { planMembershipUpdate, withFailedInstallations } from '../../../src/core/mls/membershipDiffPlan';
import { expectCode } from '../identity/helpers';

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

// alice: installations 1 (this one) and 2; bob: 3; carol: 4 and 5.
const LOGS: Record<string, Record<string, number[]>> = {
  alice: { '2': [1, 2] },
  bob: { '5': [3] },
  carol: { '7': [4, 5] },
};
const identityStateAt: IdentityStateAt = (inboxId, sequenceId) => {
  const keys = LOGS[inboxId]?.[sequenceId.toString()];
  return Promise.resolve(keys === undefined ? undefined : stateWith(inboxId, keys.map(key)));
};
const OWN = key(1);

describe('planMembershipUpdate', () => {
  it('on a new group’s first add, brings the creator up to date and adds its other installations, not this one', async () => {
    const plan = await planMembershipUpdate({
      membership: { members: new Map([['alice', 0n]]), failedInstallations: [] },
      latestSequenceIds: new Map([
        ['alice', 2n],
        ['bob', 5n],
      ]),
      ownInstallationKey: OWN,
      identityStateAt,
    });
    expect(plan.membership.members).toEqual(
      new Map([
        ['alice', 2n],
        ['bob', 5n],
      ]),
    );
    expect(hexes(plan.installationsToAdd)).toEqual(hexes([key(2), key(3)]));
    expect(plan.installationsToRemove).toEqual([]);
    expect(plan.diff).toMatchObject({ addedInboxes: ['bob'], updatedInboxes: ['alice'] });
    expect(plan.isEmpty).toBe(false);
  });

  it('never moves a member’s sequence id back, and is empty when nothing is newer', async () => {
    const membership = { members: new Map([['alice', 2n], ['bob', 5n]]), failedInstallations: [] };
    const plan = await planMembershipUpdate({
      membership,
      latestSequenceIds: new Map([['bob', 4n]]),
      ownInstallationKey: OWN,
      identityStateAt,
    });
    expect(plan.membership.members).toEqual(membership.members);
    expect(plan.isEmpty).toBe(true);
    expect(plan.installationsToAdd).toEqual([]);
  });

  it('removes an inbox’s installations but keeps those already listed as failed in the failed list', async () => {
    const plan = await planMembershipUpdate({
      membership: { members: new Map([['alice', 2n], ['carol', 7n]]), failedInstallations: [key(5)] },
      latestSequenceIds: new Map(),
      removeInboxes: ['carol'],
      ownInstallationKey: OWN,
      identityStateAt,
    });
    expect(plan.membership.members).toEqual(new Map([['alice', 2n]]));
    // Key 5 never got a leaf; libxmtp's validator expects it listed as failed, not removed.
    expect(hexes(plan.installationsToRemove)).toEqual(hexes([key(4)]));
    expect(hexes([...plan.membership.failedInstallations])).toEqual(hexes([key(5)]));
  });

  it('refuses a change that would remove the committer’s own installation', async () => {
    await expectCode(
      planMembershipUpdate({
        membership: { members: new Map([['alice', 2n]]), failedInstallations: [] },
        latestSequenceIds: new Map(),
        removeInboxes: ['alice'],
        ownInstallationKey: OWN,
        identityStateAt,
      }),
      'Mls.BadInput',
    );
  });

  it('records key-package failures once each', () => {
    const membership = { members: new Map([['alice', 2n]]), failedInstallations: [key(9)] };
    const next = withFailedInstallations(membership, [key(9), key(8), key(8)]);
    expect(hexes([...next.failedInstallations])).toEqual(hexes([key(8), key(9)]));
    expect(next.members).toBe(membership.members);
  });
});
