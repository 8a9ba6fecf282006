import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  applyIdentityUpdate,
  identityUpdateSignatureText,
  installationKeys,
  listMembers,
  recoverErc191Signer,
  verifyInstallationSignature,
} from '../../../src/core/identity';
import { FIXTURE_ADDRESS, FIXTURE_INBOX_ID, FIXTURE_INSTALLATION, FIXTURE_TIMESTAMP_NS, fixtureUpdate } from './helpers';

describe('the registration node-sdk 6.0.0 (libxmtp 1.10.0) published', () => {
  const update = fixtureUpdate();
  const [create, add] = update.actions;

  it('carries CreateInbox then AddAssociation of the installation, at the captured time', () => {
    expect(update.inboxId).toBe(FIXTURE_INBOX_ID);
    expect(update.clientTimestampNs).toBe(FIXTURE_TIMESTAMP_NS);
    expect(create?.kind).toBe('createInbox');
    expect(add?.kind).toBe('addAssociation');
  });

  it('has a wallet EIP-191 signature over the rebuilt text', async () => {
    if (create?.kind !== 'createInbox' || create.initialSignature.kind !== 'erc191') throw new Error('unexpected shape');
    const text = identityUpdateSignatureText(update);
    const { address } = await recoverErc191Signer(text, create.initialSignature.bytes);
    expect(address).toBe(FIXTURE_ADDRESS);
    // one character off and someone else "signed" it
    expect((await recoverErc191Signer(`${text} `, create.initialSignature.bytes)).address).not.toBe(FIXTURE_ADDRESS);
  });

  it('has the installation’s Ed25519ph signature over the same text', () => {
    if (add?.kind !== 'addAssociation' || add.newMemberSignature.kind !== 'installationKey') throw new Error('unexpected shape');
    const { bytes, publicKey } = add.newMemberSignature;
    expect(bytesToHex(publicKey)).toBe(FIXTURE_INSTALLATION);
    const text = identityUpdateSignatureText(update);
    expect(verifyInstallationSignature(publicKey, text, bytes)).toBe(true);
    expect(verifyInstallationSignature(publicKey, text.replace('Grant', 'grant'), bytes)).toBe(false);
  });

  it('applies to a new inbox holding the wallet and the installation', async () => {
    const { state, diff } = await applyIdentityUpdate(undefined, update);
    expect(state.inboxId).toBe(FIXTURE_INBOX_ID);
    expect(state.recoveryIdentifier).toEqual({ kind: 'ethereum', address: FIXTURE_ADDRESS });
    expect(installationKeys(state).map(bytesToHex)).toEqual([FIXTURE_INSTALLATION]);
    const members = listMembers(state);
    expect(members.map((m) => m.identifier.kind)).toEqual(['installation', 'ethereum']);
    expect(members[0]?.addedBy).toEqual({ kind: 'ethereum', address: FIXTURE_ADDRESS });
    expect(members[0]?.clientTimestampNs).toBe(FIXTURE_TIMESTAMP_NS);
    expect(state.updateCount).toBe(1);
    expect(diff.addedAddresses).toEqual([FIXTURE_ADDRESS]);
    expect(diff.removedMembers).toEqual([]);
  });

  it('cannot be applied twice', async () => {
    const { state } = await applyIdentityUpdate(undefined, update);
    await expect(applyIdentityUpdate(state, update)).rejects.toMatchObject({ code: 'Identity.InboxExists' });
  });
});
