import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import type { Extension, KeyPackage, Proposal, ProposalWithSender } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { ethereumIdentifier, installationIdentifier, memberKey, type AssociationState, type Member } from '../../../src/core/identity';
import { xmtpCredential } from '../../../src/core/mls/credential';
import { EXTENSION_GROUP_MEMBERSHIP, EXTENSION_MUTABLE_METADATA, replaceExtension } from '../../../src/core/mls/extensions';
import { membershipExtension, type GroupMembership } from '../../../src/core/mls/extensionsMembership';
import { newGroupExtensions } from '../../../src/core/mls/groupContext';
import type { IdentityStateAt } from '../../../src/core/mls/membershipDiff';
import { planMembershipUpdate, withFailedInstallations } from '../../../src/core/mls/membershipDiffPlan';
import { validateCommit, type CommitLeaf } from '../../../src/core/mls/validateCommit';

/**
 * validateCommit over random worlds, with the MLS layer reduced to what it reads (credentials and
 * signature keys): it accepts exactly the membership commits planMembershipUpdate describes, and
 * names the fault of each one-proposal deviation; on garbage it only ever throws ParleyErrors.
 */

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

const inboxIdOf = (i: number): string => (i + 1).toString(16).padStart(64, '0');
/** Installation j of inbox i: unique across inboxes. */
const keyOf = (i: number, j: number): Uint8Array => new Uint8Array(32).fill(16 * i + j + 1);
/** Sequence id of the s-th update (0-based) of inbox i: global and increasing per inbox. */
const seqOf = (i: number, s: number): bigint => BigInt(100 * (i + 1) + s + 1);
const OWN_SLOT = 0;

function keyPackageFor(inboxId: string, key: Uint8Array): KeyPackage {
  // validateCommit reads the leaf's credential and signature key; MLS checked the rest already.
  return { leafNode: { credential: xmtpCredential(inboxId), signaturePublicKey: key } } as unknown as KeyPackage;
}

interface InboxWorld {
  history: number[][];
  old: number | undefined;
  bump: number | undefined;
  remove: boolean;
  failedSlots: number[];
}

const inboxWorld: fc.Arbitrary<InboxWorld> = fc.record({
  /** Installation slots (1..4) present at each of three updates; slot 0 (the actor's own) is added below. */
  history: fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), { minLength: 3, maxLength: 3 }),
  old: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  bump: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  remove: fc.boolean(),
  /** Which of its installations at the old sequence id never got a leaf (listed as failed). */
  failedSlots: fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
});

const world = fc.record({ inboxes: fc.array(inboxWorld, { minLength: 1, maxLength: 5 }), pick: fc.nat() });

interface Built {
  identityStateAt: IdentityStateAt;
  actor: CommitLeaf;
  leaves: CommitLeaf[];
  oldExtensions: Extension[];
  newExtensions: Extension[];
  adds: Uint8Array[];
  removes: number[];
  addInbox: Map<string, string>;
}

async function build(inboxes: readonly InboxWorld[]): Promise<Built> {
  const table = new Map<string, AssociationState>();
  inboxes.forEach((inbox, i) => {
    inbox.history.forEach((slots, s) => {
      // The actor (inbox 0) keeps its own installation throughout.
      const all = i === 0 ? [OWN_SLOT, ...slots] : slots;
      table.set(`${inboxIdOf(i)}:${seqOf(i, s)}`, stateWith(inboxIdOf(i), all.map((j) => keyOf(i, j))));
    });
  });
  const identityStateAt: IdentityStateAt = (inboxId, sequenceId) => Promise.resolve(table.get(`${inboxId}:${sequenceId}`));
  const slotsAt = (i: number, s: number): number[] => (i === 0 ? [OWN_SLOT] : []).concat(inboxes[i]?.history[s] ?? []);

  const members = new Map<string, bigint>();
  const failed: Uint8Array[] = [];
  const leaves: CommitLeaf[] = [];
  inboxes.forEach((inbox, i) => {
    const old = i === 0 ? (inbox.old ?? 0) : inbox.old;
    if (old === undefined) return;
    members.set(inboxIdOf(i), seqOf(i, old));
    for (const j of slotsAt(i, old)) {
      if (i !== 0 && inbox.failedSlots.includes(j)) failed.push(keyOf(i, j));
      else leaves.push({ leafIndex: leaves.length, inboxId: inboxIdOf(i), installationKey: keyOf(i, j) });
    }
  });
  const membership: GroupMembership = { members, failedInstallations: failed };
  const base = newGroupExtensions({ creatorInboxId: inboxIdOf(0), creatorSequenceId: 1n });
  const oldExtensions = replaceExtension(base, membershipExtension(membership));

  const latestSequenceIds = new Map<string, bigint>();
  inboxes.forEach((inbox, i) => {
    if (inbox.bump === undefined) return;
    const old = members.get(inboxIdOf(i));
    const from = old === undefined ? 0 : Number(old - seqOf(i, 0));
    latestSequenceIds.set(inboxIdOf(i), seqOf(i, Math.min(2, from + inbox.bump)));
  });
  const removeInboxes = inboxes.flatMap((inbox, i) => (i !== 0 && inbox.remove && members.has(inboxIdOf(i)) ? [inboxIdOf(i)] : []));
  const actor = leaves[0] as CommitLeaf;
  const plan = await planMembershipUpdate({ membership, latestSequenceIds, removeInboxes, ownInstallationKey: actor.installationKey, identityStateAt });
  const removing = new Set(plan.installationsToRemove.map(bytesToHex));
  const addInbox = new Map(
    inboxes.flatMap((inbox, i) => inbox.history.flatMap((slots) => slots.map((j) => [bytesToHex(keyOf(i, j)), inboxIdOf(i)] as const))),
  );
  return {
    identityStateAt,
    actor,
    leaves,
    oldExtensions,
    newExtensions: replaceExtension(oldExtensions, membershipExtension(withFailedInstallations(plan.membership, []))),
    adds: plan.installationsToAdd,
    removes: leaves.filter((leaf) => removing.has(bytesToHex(leaf.installationKey))).map((leaf) => leaf.leafIndex),
    addInbox,
  };
}

function proposalsOf(built: Built, adds: readonly Uint8Array[], removes: readonly number[]): ProposalWithSender[] {
  const proposals: Proposal[] = [
    ...adds.map((key): Proposal => ({ proposalType: 'add', add: { keyPackage: keyPackageFor(built.addInbox.get(bytesToHex(key)) as string, key) } })),
    ...removes.map((removed): Proposal => ({ proposalType: 'remove', remove: { removed } })),
    { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: built.newExtensions } },
  ];
  return proposals.map((proposal) => ({ proposal, senderLeafIndex: built.actor.leafIndex }));
}

function validate(built: Built, proposals: ProposalWithSender[]) {
  return validateCommit({
    actor: built.actor,
    proposals,
    oldExtensions: built.oldExtensions,
    existingLeaves: built.leaves,
    identityStateAt: built.identityStateAt,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
}

describe('validateCommit properties', () => {
  it('accepts the commit a plan describes, and names the fault when one proposal is off', async () => {
    await fc.assert(
      fc.asyncProperty(world, async ({ inboxes, pick }) => {
        const built = await build(inboxes);
        const validated = await validate(built, proposalsOf(built, built.adds, built.removes));
        expect(validated.installationsAdded.map(bytesToHex).sort()).toEqual(built.adds.map(bytesToHex).sort());
        expect(validated.installationsRemoved.length).toBe(built.removes.length);

        if (built.adds.length > 0) {
          const fewer = built.adds.filter((_, i) => i !== pick % built.adds.length);
          expect(await codeOf(validate(built, proposalsOf(built, fewer, built.removes)))).toBe('Mls.CommitMissingInstallation');
        }
        if (built.removes.length > 0) {
          const fewer = built.removes.filter((_, i) => i !== pick % built.removes.length);
          expect(await codeOf(validate(built, proposalsOf(built, built.adds, fewer)))).toBe('Mls.CommitIncompleteRemoval');
        }
        const bystanders = built.leaves.filter((leaf) => leaf.leafIndex !== built.actor.leafIndex && !built.removes.includes(leaf.leafIndex));
        const bystander = bystanders[pick % Math.max(1, bystanders.length)];
        if (bystander !== undefined) {
          expect(await codeOf(validate(built, proposalsOf(built, built.adds, [...built.removes, bystander.leafIndex])))).toBe(
            'Mls.CommitUnexpectedRemoval',
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it('throws nothing but ParleyErrors on garbage proposals and extensions', async () => {
    const garbage = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('add' as const), identity: fc.uint8Array({ maxLength: 80 }), key: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
        fc.record({ kind: fc.constant('remove' as const), leaf: fc.integer({ min: -2, max: 12 }) }),
        fc.record({
          kind: fc.constant('gce' as const),
          type: fc.constantFrom(EXTENSION_GROUP_MEMBERSHIP, EXTENSION_MUTABLE_METADATA),
          data: fc.uint8Array({ maxLength: 120 }),
        }),
      ),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(world, garbage, async ({ inboxes }, items) => {
        const built = await build(inboxes);
        const proposals = items.map((item): ProposalWithSender => {
          const proposal: Proposal =
            item.kind === 'add'
              ? {
                  proposalType: 'add',
                  add: { keyPackage: { leafNode: { credential: { credentialType: 'basic', identity: item.identity }, signaturePublicKey: item.key } } as unknown as KeyPackage },
                }
              : item.kind === 'remove'
                ? { proposalType: 'remove', remove: { removed: item.leaf } }
                : {
                    proposalType: 'group_context_extensions',
                    groupContextExtensions: { extensions: replaceExtension(built.oldExtensions, { extensionType: item.type, extensionData: item.data }) },
                  };
          return { proposal, senderLeafIndex: built.actor.leafIndex };
        });
        const code = await codeOf(validate(built, proposals));
        expect(code.startsWith('not a ParleyError')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
