import type { NetworkApi } from '../api/networkApi';
import { ParleyError, isParleyError } from '../errors';
import { installationCount, isMember } from '../identity/associationState';
import { identityUpdateToProto } from '../identity/codec';
import { inboxIdFor } from '../identity/inboxId';
import { generateInstallationKey, installationKeySigner } from '../identity/installationKey';
import { ethereumIdentifier, installationIdentifier } from '../identity/model';
import type { SmartWalletSigner, WalletSigner } from '../identity/signer';
import { IdentityUpdateBuilder } from '../identity/signatureRequest';
import type { SmartWalletVerifier } from '../identity/smartWalletVerifier';
import { nsFromDate } from './bytes';
import { newHmacRootKey } from './hmacRoot';
import type { IdentityDirectory } from './identityDirectory';
import { newKeyPackage } from './keyPackages';
import type { ClientStore, IdentityRecord } from './store';

/** libxmtp MAX_INSTALLATIONS_PER_INBOX. */
export const MAX_INSTALLATIONS_PER_INBOX = 10;

export type AccountSigner = WalletSigner | SmartWalletSigner;

export interface RegisterInput {
  api: NetworkApi;
  store: ClientStore;
  directory: IdentityDirectory;
  signer: AccountSigner;
  now: () => Date;
  verifier?: SmartWalletVerifier;
}

/**
 * This store's installation for the signer's account: reused when the store has one (after
 * checking it belongs to the same account), else created. Registers it on the network when not
 * yet done, in the order libxmtp's client builder uses (node-sdk 6.0.0: GetInboxIds,
 * GetIdentityUpdates, UploadKeyPackage, PublishIdentityUpdate, GetIdentityUpdates): an inbox is
 * created (CreateInbox, nonce 1) when the address has none, and the installation is added
 * (AddAssociation signed by the wallet and by the installation key).
 */
export async function openOrRegisterInstallation(input: RegisterInput): Promise<IdentityRecord> {
  const { api, store, directory, signer, now } = input;
  const address = signer.identifier.toLowerCase();
  let identity = await store.getIdentity();
  if (identity !== undefined && identity.accountAddress !== address) {
    throw new ParleyError('Client.StoreMismatch', 'The store holds another account’s installation.', {
      details: `store ${identity.accountAddress}, signer ${address}`,
    });
  }
  if (identity?.registered) return identity;

  const existingInbox = (await directory.inboxIdsFor([address])).get(address);
  if (identity === undefined) {
    const key = generateInstallationKey();
    identity = {
      inboxId: existingInbox ?? inboxIdFor(address, 1n),
      accountAddress: address,
      nonce: 1n,
      installationPrivateKey: key.secretKey,
      installationPublicKey: key.publicKey,
      registered: false,
      createdAtNs: nsFromDate(now()),
      hmacRootKey: newHmacRootKey(),
    };
    // Kept before anything is signed, so a crash retries with the same installation.
    await store.commit([{ op: 'putIdentity', record: identity }]);
  } else if (existingInbox !== undefined && existingInbox !== identity.inboxId) {
    throw new ParleyError('Client.StoreMismatch', 'The account’s inbox is not the one this store registered for.', {
      details: `store ${identity.inboxId}, network ${existingInbox}`,
    });
  }

  const inboxId = identity.inboxId;
  const installation = installationIdentifier(identity.installationPublicKey);
  const state = existingInbox === undefined ? undefined : await directory.stateAt(inboxId);
  if (state !== undefined && isMember(state, installation)) {
    return markRegistered(store, identity);
  }
  if (state !== undefined && installationCount(state) >= MAX_INSTALLATIONS_PER_INBOX) {
    throw new ParleyError('Identity.TooManyInstallations', 'An inbox can hold at most 10 installations.', {
      details: `inbox ${inboxId} has ${installationCount(state)}`,
    });
  }

  const builder = new IdentityUpdateBuilder(inboxId, nsFromDate(now()));
  if (existingInbox === undefined) builder.createInbox(ethereumIdentifier(address), identity.nonce);
  builder.addAssociation(installation, ethereumIdentifier(address));
  const request = builder.build();
  const options = input.verifier === undefined ? {} : { verifier: input.verifier };
  try {
    await request.sign(signer, options);
    await request.sign(installationKeySigner(identity.installationPrivateKey), options);
  } catch (cause) {
    if (isParleyError(cause)) throw cause;
    throw new ParleyError('Client.RegistrationFailed', 'Signing the registration failed.', { cause });
  }

  // libxmtp uploads the key package before publishing the identity update (client.rs register_identity).
  const keyPackage = await newKeyPackage(identity, now());
  await store.commit([{ op: 'putKeyPackage', record: keyPackage.record }]);
  await api.uploadKeyPackage({ keyPackage: { keyPackageTlsSerialized: keyPackage.tls }, isInboxIdCredential: true });
  await api.publishIdentityUpdate({ identityUpdate: identityUpdateToProto(request.toIdentityUpdate()) });

  const after = await directory.stateAt(inboxId, await directory.latestSequenceId(inboxId));
  if (after === undefined || !isMember(after, installation)) {
    throw new ParleyError('Client.RegistrationFailed', 'The network does not list the new installation.', { details: inboxId });
  }
  return markRegistered(store, identity);
}

async function markRegistered(store: ClientStore, identity: IdentityRecord): Promise<IdentityRecord> {
  const registered = { ...identity, registered: true };
  await store.commit([{ op: 'putIdentity', record: registered }]);
  return registered;
}
