import type { AssociationPolicy, VerifiedAction, VerifiedIdentityUpdate } from './associationRules';
import { applyVerifiedUpdate, LOG_REPLAY_POLICY, NEW_UPDATE_POLICY } from './associationRules';
import type { AssociationState, AssociationStateDiff } from './associationState';
import { diffAssociationStates } from './associationState';
import type { IdentityAction, IdentityUpdate } from './model';
import { identityUpdateSignatureText } from './signatureText';
import type { SmartWalletVerifier } from './smartWalletVerifier';
import { refusingSmartWalletVerifier } from './smartWalletVerifier';
import { verifySignature } from './verifySignature';

export interface VerifyOptions {
  /** Smart-contract-wallet signatures; the default refuses them (Identity.SmartWalletUnsupported). */
  readonly verifier?: SmartWalletVerifier;
}

export interface ApplyOptions extends VerifyOptions {
  /** NEW_UPDATE_POLICY by default; see AssociationPolicy. */
  readonly policy?: AssociationPolicy;
}

export interface AppliedIdentityUpdate {
  readonly state: AssociationState;
  /** Against the previous state; for an inbox's first update, every member is added. */
  readonly diff: AssociationStateDiff;
}

async function verifyAction(text: string, action: IdentityAction, verifier: SmartWalletVerifier): Promise<VerifiedAction> {
  switch (action.kind) {
    case 'createInbox':
      return {
        kind: action.kind,
        identifier: action.identifier,
        nonce: action.nonce,
        initialSignature: await verifySignature(text, action.initialSignature, verifier),
      };
    case 'addAssociation':
      return {
        kind: action.kind,
        newMember: action.newMember,
        newMemberSignature: await verifySignature(text, action.newMemberSignature, verifier),
        existingMemberSignature: await verifySignature(text, action.existingMemberSignature, verifier),
      };
    case 'revokeAssociation':
      return {
        kind: action.kind,
        revokedMember: action.revokedMember,
        recoverySignature: await verifySignature(text, action.recoverySignature, verifier),
      };
    case 'changeRecoveryAddress':
      return {
        kind: action.kind,
        newRecoveryIdentifier: action.newRecoveryIdentifier,
        recoverySignature: await verifySignature(text, action.recoverySignature, verifier),
      };
  }
}

/**
 * Check every signature of an update over the text of the *whole* update (libxmtp
 * unverified.rs `to_verified`), naming each signer. A bad signature throws Identity.BadSignature
 * (or Identity.SmartWalletUnsupported); the association rules are not looked at yet.
 */
export async function verifyIdentityUpdate(update: IdentityUpdate, options: VerifyOptions = {}): Promise<VerifiedIdentityUpdate> {
  const verifier = options.verifier ?? refusingSmartWalletVerifier;
  const text = identityUpdateSignatureText(update);
  const actions: VerifiedAction[] = [];
  for (const action of update.actions) actions.push(await verifyAction(text, action, verifier));
  return { inboxId: update.inboxId, clientTimestampNs: update.clientTimestampNs, actions };
}

/**
 * Verify a new identity update and apply it to the inbox's state (undefined for a new inbox):
 * what a node does before storing a PublishIdentityUpdate, and a client before trusting one.
 */
export async function applyIdentityUpdate(
  state: AssociationState | undefined,
  update: IdentityUpdate,
  options: ApplyOptions = {},
): Promise<AppliedIdentityUpdate> {
  const verified = await verifyIdentityUpdate(update, options);
  const next = applyVerifiedUpdate(state, verified, options.policy ?? NEW_UPDATE_POLICY);
  return { state: next, diff: diffAssociationStates(state, next) };
}

/**
 * The state after a whole log, oldest update first, as libxmtp's `get_state`. Uses the replay
 * policy by default: a log the network accepted is judged by libxmtp's rules alone.
 */
export async function associationStateFromLog(
  updates: readonly IdentityUpdate[],
  options: ApplyOptions = {},
): Promise<AssociationState | undefined> {
  let state: AssociationState | undefined;
  for (const update of updates) {
    const verified = await verifyIdentityUpdate(update, options);
    state = applyVerifiedUpdate(state, verified, options.policy ?? LOG_REPLAY_POLICY);
  }
  return state;
}
