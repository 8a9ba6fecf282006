import { describe, expect, it } from 'vitest';
import {
  applyIdentityUpdate,
  associationStateFromLog,
  getMember,
  identityUpdateSignatureText,
  IdentityUpdateBuilder,
  inboxIdFor,
  installationCount,
  installationKeys,
  isMember,
  LOG_REPLAY_POLICY,
  signerMember,
  signWith,
  type AssociationState,
  type IdentityAction,
  type IdentityUpdate,
  type Signer,
  type UnsignedIdentityUpdate,
  type UnverifiedSignature,
} from '../../../src/core/identity';
import { expectCode, fixtureUpdate, installation, signedUpdate, T0, wallet } from './helpers';
import { fakeSmartWallet, legacyDelegatedSignature } from './testSigners';

const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3);
const phone = installation(1);
const laptop = installation(2);
const aliceInbox = inboxIdFor(alice.identifier);
const eth = (signer: Signer) => ({ kind: 'ethereum', address: signer.identifier }) as const;
const SECOND = 1_000_000_000n;

/** Sign an unsigned update's text, for hand-made (possibly wrong) updates the builder would refuse to make. */
function sign(update: UnsignedIdentityUpdate, signer: Signer): Promise<UnverifiedSignature> {
  return signWith(signer, identityUpdateSignatureText(update));
}

async function createAlice(): Promise<AssociationState> {
  const update = await signedUpdate(
    new IdentityUpdateBuilder(aliceInbox, T0).createInbox(eth(alice)).addAssociation(signerMember(phone), signerMember(alice)),
    [alice, phone],
  );
  return (await applyIdentityUpdate(undefined, update)).state;
}

/** A well-formed AddAssociation update at second `n` (texts differ per second). */
function addition(n: bigint, newMember: Signer, existing: Signer): Promise<IdentityUpdate> {
  return signedUpdate(
    new IdentityUpdateBuilder(aliceInbox, T0 + n * SECOND).addAssociation(signerMember(newMember), signerMember(existing)),
    [existing, newMember],
  );
}

describe('association rules', () => {
  it('rejects a tampered installation signature', async () => {
    const update = fixtureUpdate();
    const add = update.actions[1] as Extract<IdentityAction, { kind: 'addAssociation' }>;
    const sig = add.newMemberSignature as Extract<UnverifiedSignature, { kind: 'installationKey' }>;
    const bytes = sig.bytes.slice();
    bytes[10] = (bytes[10] as number) ^ 1;
    const tampered = { ...update, actions: [update.actions[0]!, { ...add, newMemberSignature: { ...sig, bytes } }] };
    await expectCode(applyIdentityUpdate(undefined, tampered), 'Identity.BadSignature');
  });

  it('rejects a tampered wallet signature: it recovers to somebody else', async () => {
    const update = fixtureUpdate();
    const create = update.actions[0] as Extract<IdentityAction, { kind: 'createInbox' }>;
    const sig = create.initialSignature as Extract<UnverifiedSignature, { kind: 'erc191' }>;
    const bytes = sig.bytes.slice();
    bytes[40] = (bytes[40] as number) ^ 1;
    const tampered = { ...update, actions: [{ ...create, initialSignature: { kind: 'erc191', bytes } } as const, update.actions[1]!] };
    await expectCode(applyIdentityUpdate(undefined, tampered), 'Identity.SignerMismatch');
  });

  it('rejects the high-s twin of a valid wallet signature, as libxmtp (it folds s but keeps v)', async () => {
    const update = fixtureUpdate();
    const create = update.actions[0] as Extract<IdentityAction, { kind: 'createInbox' }>;
    const sig = create.initialSignature as Extract<UnverifiedSignature, { kind: 'erc191' }>;
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${Buffer.from(sig.bytes.subarray(32, 64)).toString('hex')}`);
    const twin = sig.bytes.slice();
    twin.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
    twin[64] = (twin[64] as number) === 27 ? 28 : 27;
    const malleated = { ...update, actions: [{ ...create, initialSignature: { kind: 'erc191', bytes: twin } } as const, update.actions[1]!] };
    await expectCode(applyIdentityUpdate(undefined, malleated), 'Identity.SignerMismatch');
  });

  it('rejects an installation signature where a wallet one is needed', async () => {
    const state = await createAlice();
    const unsigned = {
      inboxId: aliceInbox,
      clientTimestampNs: T0 + SECOND,
      actions: [{ kind: 'revokeAssociation', revokedMember: signerMember(phone) }],
    } as const;
    const update: IdentityUpdate = {
      ...unsigned,
      actions: [{ ...unsigned.actions[0], recoverySignature: await sign(unsigned, phone) }],
    };
    await expectCode(applyIdentityUpdate(state, update), 'Identity.WrongSignerKind');

    const fresh = { inboxId: aliceInbox, clientTimestampNs: T0, actions: [{ kind: 'createInbox', identifier: eth(alice), nonce: 1n }] } as const;
    const byInstallation: IdentityUpdate = { ...fresh, actions: [{ ...fresh.actions[0], initialSignature: await sign(fresh, phone) }] };
    await expectCode(applyIdentityUpdate(undefined, byInstallation), 'Identity.WrongSignerKind');
  });

  it('rejects an installation adding an installation', async () => {
    const state = await createAlice();
    await expectCode(applyIdentityUpdate(state, await addition(1n, laptop, phone)), 'Identity.NotAllowed');
  });

  it('lets an installation add a wallet', async () => {
    const state = await createAlice();
    const { state: next } = await applyIdentityUpdate(state, await addition(1n, bob, phone));
    expect(getMember(next, signerMember(bob))?.addedBy).toEqual(signerMember(phone));
  });

  it('rejects an 11th installation, and accepts a 10th after a revocation made room', async () => {
    let state = await createAlice();
    for (let i = 2; i <= 10; i++) state = (await applyIdentityUpdate(state, await addition(BigInt(i), installation(i), alice))).state;
    expect(installationCount(state)).toBe(10);
    const eleventh = await addition(11n, installation(11), alice);
    await expectCode(applyIdentityUpdate(state, eleventh), 'Identity.TooManyInstallations');
    // a log the network already accepted is replayed by libxmtp's rules alone
    expect(installationCount((await applyIdentityUpdate(state, eleventh, { policy: LOG_REPLAY_POLICY })).state)).toBe(11);

    const revoke = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 12n * SECOND).revokeAssociation(eth(alice), signerMember(installation(5))),
      [alice],
    );
    const roomy = (await applyIdentityUpdate(state, revoke)).state;
    expect(installationCount((await applyIdentityUpdate(roomy, eleventh)).state)).toBe(10);
  });

  it('rejects a 257th identity update', async () => {
    let state = await createAlice();
    for (let i = 1; i < 256; i++) {
      state = (await applyIdentityUpdate(state, { inboxId: aliceInbox, clientTimestampNs: T0 + BigInt(i), actions: [] })).state;
    }
    expect(state.updateCount).toBe(256);
    await expectCode(applyIdentityUpdate(state, await addition(300n, bob, alice)), 'Identity.TooManyUpdates');
  });

  it('rejects a revocation by a member that is not the recovery address', async () => {
    let state = await createAlice();
    state = (await applyIdentityUpdate(state, await addition(1n, bob, alice))).state;
    const revoke = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 2n * SECOND).revokeAssociation(eth(bob), signerMember(phone)),
      [bob],
    );
    await expectCode(applyIdentityUpdate(state, revoke), 'Identity.NotRecoveryIdentifier');
    const change = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 2n * SECOND).changeRecoveryAddress(eth(bob), eth(bob)),
      [bob],
    );
    await expectCode(applyIdentityUpdate(state, change), 'Identity.NotRecoveryIdentifier');
  });

  it('revoking an address also revokes the installations it added, not the addresses', async () => {
    let state = await createAlice();
    state = (await applyIdentityUpdate(state, await addition(1n, bob, alice))).state;
    state = (await applyIdentityUpdate(state, await addition(2n, laptop, bob))).state;
    state = (await applyIdentityUpdate(state, await addition(3n, carol, bob))).state;
    const revokeBob = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 4n * SECOND).revokeAssociation(eth(alice), eth(bob)),
      [alice],
    );
    const { state: next, diff } = await applyIdentityUpdate(state, revokeBob);
    expect(isMember(next, eth(bob))).toBe(false);
    expect(isMember(next, signerMember(laptop))).toBe(false);
    expect(isMember(next, eth(carol))).toBe(true);
    expect(installationKeys(next)).toEqual([phone.publicKey]);
    expect(diff.removedAddresses).toEqual([bob.identifier]);
  });

  it('rejects CreateInbox anywhere but first, and one whose inbox id is not the address + nonce', async () => {
    const state = await createAlice();
    const again = await signedUpdate(new IdentityUpdateBuilder(aliceInbox, T0 + SECOND).createInbox(eth(alice)), [alice]);
    await expectCode(applyIdentityUpdate(state, again), 'Identity.InboxExists');

    const wrongId = await signedUpdate(new IdentityUpdateBuilder(inboxIdFor(alice.identifier, 2n), T0).createInbox(eth(alice)), [alice]);
    await expectCode(applyIdentityUpdate(undefined, wrongId), 'Identity.InboxIdMismatch');

    await expectCode(applyIdentityUpdate(undefined, await addition(1n, bob, alice)), 'Identity.InboxNotCreated');
  });

  it('rejects an address not written as libxmtp writes it (lowercase) at inbox creation', async () => {
    const mixedCase = `0x${alice.identifier.slice(2).toUpperCase()}`;
    const inboxId = inboxIdFor(mixedCase);
    const unsigned = { inboxId, clientTimestampNs: T0, actions: [{ kind: 'createInbox', identifier: { kind: 'ethereum', address: mixedCase }, nonce: 1n }] } as const;
    const update: IdentityUpdate = { ...unsigned, actions: [{ ...unsigned.actions[0], initialSignature: await sign(unsigned, alice) }] };
    await expectCode(applyIdentityUpdate(undefined, update), 'Identity.SignerMismatch');
  });

  it('rejects a new-member signature by someone other than the new member', async () => {
    const state = await createAlice();
    const unsigned = { inboxId: aliceInbox, clientTimestampNs: T0 + SECOND, actions: [{ kind: 'addAssociation', newMember: eth(bob) }] } as const;
    const update: IdentityUpdate = {
      ...unsigned,
      actions: [{ ...unsigned.actions[0], existingMemberSignature: await sign(unsigned, alice), newMemberSignature: await sign(unsigned, carol) }],
    };
    await expectCode(applyIdentityUpdate(state, update), 'Identity.SignerMismatch');
  });

  it('rejects a member adding itself, a stranger adding, a second addition and a replayed update', async () => {
    const state = await createAlice();
    const unsigned = { inboxId: aliceInbox, clientTimestampNs: T0 + SECOND, actions: [{ kind: 'addAssociation', newMember: eth(alice) }] } as const;
    const self = await sign(unsigned, alice);
    await expectCode(
      applyIdentityUpdate(state, { ...unsigned, actions: [{ ...unsigned.actions[0], existingMemberSignature: self, newMemberSignature: self }] }),
      'Identity.CannotAddSelf',
    );
    await expectCode(applyIdentityUpdate(state, await addition(1n, bob, carol)), 'Identity.UnknownMember');

    const addBob = await addition(1n, bob, alice);
    const withBob = (await applyIdentityUpdate(state, addBob)).state;
    await expectCode(applyIdentityUpdate(withBob, addBob), 'Identity.Replay');
    const addBobAgain = await addition(2n, bob, alice);
    await expectCode(applyIdentityUpdate(withBob, addBobAgain), 'Identity.MemberExists');
    // libxmtp itself would re-add (overwrite): so does the replay policy
    const replayed = (await applyIdentityUpdate(withBob, addBobAgain, { policy: LOG_REPLAY_POLICY })).state;
    expect(getMember(replayed, eth(bob))?.clientTimestampNs).toBe(T0 + 2n * SECOND);
  });

  it('lets the recovery address add members after it was revoked as a member', async () => {
    let state = await createAlice();
    const revokeSelf = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + SECOND).revokeAssociation(eth(alice), eth(alice)),
      [alice],
    );
    state = (await applyIdentityUpdate(state, revokeSelf)).state;
    expect(state.members.size).toBe(0);
    const { state: next } = await applyIdentityUpdate(state, await addition(2n, laptop, alice));
    expect(getMember(next, signerMember(laptop))?.addedBy).toEqual(eth(alice));
  });

  it('rejects a smart-contract wallet signing on another chain than it was added on', async () => {
    const address = `0x${'cd'.repeat(20)}`;
    const base = fakeSmartWallet(address, 8453n);
    const mainnet = fakeSmartWallet(address, 1n);
    const inboxId = inboxIdFor(address);
    const created = await signedUpdate(new IdentityUpdateBuilder(inboxId, T0).createInbox({ kind: 'ethereum', address }), [base.signer], {
      verifier: base.verifier,
    });
    const { state } = await applyIdentityUpdate(undefined, created, { verifier: base.verifier });
    const add = await signedUpdate(
      new IdentityUpdateBuilder(inboxId, T0 + SECOND).addAssociation(signerMember(phone), signerMember(mainnet.signer)),
      [mainnet.signer, phone],
      { verifier: mainnet.verifier },
    );
    await expectCode(applyIdentityUpdate(state, add, { verifier: mainnet.verifier }), 'Identity.ChainIdMismatch');
  });

  it('rejects a legacy key creating an inbox with a nonce other than 0', async () => {
    const owner = wallet(4);
    const unsigned = {
      inboxId: inboxIdFor(owner.identifier, 1n),
      clientTimestampNs: T0,
      actions: [{ kind: 'createInbox', identifier: eth(owner), nonce: 1n }],
    } as const;
    const legacy = await legacyDelegatedSignature(identityUpdateSignatureText(unsigned), `0x${(4).toString(16).padStart(64, '0')}`, 7);
    await expectCode(
      applyIdentityUpdate(undefined, { ...unsigned, actions: [{ ...unsigned.actions[0], initialSignature: legacy }] }),
      'Identity.LegacySignatureReuse',
    );
  });

  it('builds the same state from a log as step by step, and leaves earlier states untouched', async () => {
    const first = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0).createInbox(eth(alice)).addAssociation(signerMember(phone), signerMember(alice)),
      [alice, phone],
    );
    const second = await addition(1n, bob, alice);
    const s1 = (await applyIdentityUpdate(undefined, first)).state;
    const s2 = (await applyIdentityUpdate(s1, second)).state;
    expect(await associationStateFromLog([first, second])).toEqual(s2);
    expect(await associationStateFromLog([])).toBeUndefined();
    expect(isMember(s1, eth(bob))).toBe(false);
    expect(s1.updateCount).toBe(1);
  });
});
