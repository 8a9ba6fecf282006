import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  applyIdentityUpdate,
  decodeIdentityUpdate,
  eip1193Signer,
  encodeIdentityUpdate,
  getMember,
  IdentityUpdateBuilder,
  inboxIdFor,
  installationKeys,
  isMember,
  signerMember,
  type AssociationState,
  type IdentityUpdate,
  type VerifyOptions,
} from '../../../src/core/identity';
import { expectCode, installation, signedUpdate, T0, wallet } from './helpers';
import { fakeSmartWallet, legacyDelegatedSignature, PASSKEY_ORIGIN, passkeyKey, passkeySignature } from './testSigners';

const alice = wallet(1);
const bob = wallet(2);
const phone = installation(1);
const laptop = installation(2);
const aliceInbox = inboxIdFor(alice.identifier);

/** Every update goes over the wire form too: what is signed must survive encoding. */
async function apply(state: AssociationState | undefined, update: IdentityUpdate, options: VerifyOptions = {}) {
  return applyIdentityUpdate(state, decodeIdentityUpdate(encodeIdentityUpdate(update)), options);
}

async function aliceWithPhone(): Promise<AssociationState> {
  const update = await signedUpdate(
    new IdentityUpdateBuilder(aliceInbox, T0).createInbox({ kind: 'ethereum', address: alice.identifier }).addAssociation(
      signerMember(phone),
      signerMember(alice),
    ),
    [alice, phone],
  );
  return (await apply(undefined, update)).state;
}

describe('signing and verifying identity updates', () => {
  it('CreateInbox + AddAssociation(installation): one wallet signature serves both actions', async () => {
    const request = new IdentityUpdateBuilder(aliceInbox, T0)
      .createInbox({ kind: 'ethereum', address: alice.identifier })
      .addAssociation(signerMember(phone), signerMember(alice))
      .build();
    expect(request.missingSigners()).toEqual([signerMember(alice), signerMember(phone)]);
    await request.sign(alice);
    expect(request.isReady()).toBe(false);
    await request.sign(phone);
    expect(request.isReady()).toBe(true);
    const { state, diff } = await apply(undefined, request.toIdentityUpdate());
    expect(state.inboxId).toBe(aliceInbox);
    expect(installationKeys(state)).toEqual([phone.publicKey]);
    expect(diff.addedMembers).toHaveLength(2);
  });

  it('AddAssociation(address) signed by an installation and an EIP-1193 wallet', async () => {
    const state = await aliceWithPhone();
    const bobAccount = privateKeyToAccount(`0x${(2).toString(16).padStart(64, '0')}`);
    const bobWallet = eip1193Signer(
      { request: async ({ params }) => bobAccount.signMessage({ message: { raw: (params as [`0x${string}`])[0] } }) },
      bobAccount.address,
    );
    const update = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 1n).addAssociation(signerMember(bobWallet), signerMember(phone)),
      [phone, bobWallet],
    );
    const { state: next, diff } = await apply(state, update);
    expect(getMember(next, signerMember(bob))?.addedBy).toEqual(signerMember(phone));
    expect(diff.addedAddresses).toEqual([bob.identifier]);
  });

  it('AddAssociation(passkey) signed by the wallet and a WebAuthn assertion', async () => {
    const state = await aliceWithPhone();
    const { identifier } = passkeyKey(9);
    const request = new IdentityUpdateBuilder(aliceInbox, T0 + 1n).addAssociation(identifier, signerMember(alice)).build();
    expect(request.signatureText).toContain('- Link passkey to inbox\n');
    await request.sign(alice);
    await request.addSignature(passkeySignature(request.signatureText, 9));
    const { state: next } = await apply(state, request.toIdentityUpdate());
    expect(getMember(next, identifier)?.identifier).toEqual({ ...identifier, relyingParty: PASSKEY_ORIGIN });
  });

  it('RevokeAssociation by the recovery wallet removes the installation', async () => {
    const state = await aliceWithPhone();
    const update = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 1n).revokeAssociation({ kind: 'ethereum', address: alice.identifier }, signerMember(phone)),
      [alice],
    );
    const { state: next, diff } = await apply(state, update);
    expect(installationKeys(next)).toEqual([]);
    expect(diff.removedMembers).toEqual([signerMember(phone)]);
  });

  it('ChangeRecoveryAddress hands revocation to the new recovery address', async () => {
    const state = await aliceWithPhone();
    const change = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 1n).changeRecoveryAddress(
        { kind: 'ethereum', address: alice.identifier },
        { kind: 'ethereum', address: bob.identifier },
      ),
      [alice],
    );
    const { state: changed, diff } = await apply(state, change);
    expect(changed.recoveryIdentifier).toEqual({ kind: 'ethereum', address: bob.identifier });
    expect(diff.addedMembers).toEqual([]);
    const revoke = await signedUpdate(
      new IdentityUpdateBuilder(aliceInbox, T0 + 2n).revokeAssociation({ kind: 'ethereum', address: bob.identifier }, signerMember(phone)),
      [bob],
    );
    expect(installationKeys((await apply(changed, revoke)).state)).toEqual([]);
  });

  it('a smart-contract wallet creates an inbox through the verifier, bound to its chain', async () => {
    const scw = fakeSmartWallet('0x' + 'ab'.repeat(20), 8453n);
    const inboxId = inboxIdFor(scw.signer.identifier);
    const options = { verifier: scw.verifier };
    const update = await signedUpdate(
      new IdentityUpdateBuilder(inboxId, T0).createInbox({ kind: 'ethereum', address: scw.signer.identifier }).addAssociation(
        signerMember(laptop),
        signerMember(scw.signer),
      ),
      [scw.signer, laptop],
      options,
    );
    const sig = update.actions[0]?.kind === 'createInbox' ? update.actions[0].initialSignature : undefined;
    expect(sig).toMatchObject({ kind: 'erc6492', accountId: `eip155:8453:${scw.signer.identifier}`, blockNumber: 19_000_000n });
    const { state } = await apply(undefined, update, options);
    expect(getMember(state, signerMember(scw.signer))?.addedOnChainId).toBe(8453n);
    expect(scw.calls.at(-1)?.blockNumber).toBe(19_000_000n);
    // without a verifier the same update cannot be checked
    await expectCode(apply(undefined, update), 'Identity.SmartWalletUnsupported');
  });

  it('a V2 legacy key creates the nonce-0 inbox and adds an installation, once', async () => {
    const walletKey = `0x${(3).toString(16).padStart(64, '0')}` as const;
    const owner = wallet(3);
    const inboxId = inboxIdFor(owner.identifier, 0n);
    const request = new IdentityUpdateBuilder(inboxId, T0)
      .createInbox({ kind: 'ethereum', address: owner.identifier }, 0n)
      .addAssociation(signerMember(phone), signerMember(owner))
      .build();
    await request.addSignature(await legacyDelegatedSignature(request.signatureText, walletKey, 0x42));
    await request.sign(phone);
    const { state } = await apply(undefined, request.toIdentityUpdate());
    expect(isMember(state, signerMember(owner))).toBe(true);

    const again = new IdentityUpdateBuilder(inboxId, T0 + 1n).addAssociation(signerMember(laptop), signerMember(owner)).build();
    await again.addSignature(await legacyDelegatedSignature(again.signatureText, walletKey, 0x42));
    await again.sign(laptop);
    await expectCode(apply(state, again.toIdentityUpdate()), 'Identity.Replay');
  });

  it('refuses a signer the request does not wait for, and an unsigned request', async () => {
    const request = new IdentityUpdateBuilder(aliceInbox, T0).createInbox({ kind: 'ethereum', address: alice.identifier }).build();
    await expectCode(request.sign(bob), 'Identity.UnexpectedSigner');
    await expectCode(() => request.toIdentityUpdate(), 'Identity.MissingSignature');
    await expectCode(() => new IdentityUpdateBuilder(aliceInbox, T0).createInbox({ kind: 'ethereum', address: 'bob.eth' }), 'Identity.BadInput');
  });

  it('refuses a signature made over another text', async () => {
    const request = new IdentityUpdateBuilder(aliceInbox, T0).addAssociation(signerMember(phone), signerMember(alice)).build();
    // the text shows whole seconds: one nanosecond later would be the same text
    const other = new IdentityUpdateBuilder(aliceInbox, T0 + 1_000_000_000n).addAssociation(signerMember(phone), signerMember(alice)).build();
    expect(other.signatureText).not.toBe(request.signatureText);
    await expectCode(
      request.addSignature({ kind: 'installationKey', bytes: await phone.signMessage(other.signatureText), publicKey: phone.publicKey }),
      'Identity.BadSignature',
    );
  });
});
