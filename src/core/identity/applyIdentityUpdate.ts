import type { AssociationPolicy, VerifiedAction, VerifiedIdentityUpdate } from './associationRules';
import { applyVerifiedUpdate, LOG_REPLAY_POLICY, NEW_UPDATE_POLICY } from './associationRules';
import type { AssociationState, AssociationStateDiff } from './associationState';
import { diffAssociationStates } from './associationState';
import type { IdentityAction, IdentityUpdate, UnverifiedSignature, VerifiedSignature } from './model';
import { identityUpdateSignatureText } from './signatureText';
import type { SmartWalletVerifier } from './smartWalletVerifier';
import { refusingSmartWalletVerifier } from './smartWalletVerifier';
import { sharedVerifiedSignatureCache, signatureCacheKey, type VerifiedSignatureCache } from './verifiedSignatureCache';
import { verifySignature } from './verifySignature';

/** Checks one signature over a text and names its signer (verifySignature's shape). */
export type SignatureCheck = (text: string, signature: UnverifiedSignature, verifier: SmartWalletVerifier) => Promise<VerifiedSignature>;

export interface VerifyOptions {
  /** Smart-contract-wallet signatures; the default refuses them (Identity.SmartWalletUnsupported). */
  readonly verifier?: SmartWalletVerifier;
  /**
   * Signatures already verified in an earlier call; none with null. By default the process-wide
   * cache, unless `checkSignature` is given. Within one update the same signature over the same
   * text is checked once regardless.
   */
  readonly signatureCache?: VerifiedSignatureCache | null;
  /**
   * The check each signature not found in the caches goes through; verifySignature by default.
   * Its verdicts never go into the process-wide cache unless that cache is passed explicitly.
   */
  readonly checkSignature?: SignatureCheck;
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

type Verify = (signature: UnverifiedSignature) => Promise<VerifiedSignature>;

/**
 * The signature check for one update's text: each distinct signature once (CreateInbox and the
 * AddAssociation the SDK sends with it carry the same wallet signature over the same text), and
 * through `cache` across calls. Only successes are remembered, by a hash of all the bytes.
 */
function onceEach(text: string, options: VerifyOptions): Verify {
  const verifier = options.verifier ?? refusingSmartWalletVerifier;
  const check = options.checkSignature ?? verifySignature;
  // Another check's verdicts (a test's, a laxer one) must not be served to callers of the real one.
  const fallback = options.checkSignature === undefined ? sharedVerifiedSignatureCache : null;
  const cache = options.signatureCache === undefined ? fallback : options.signatureCache;
  const inThisUpdate = new Map<string, Promise<VerifiedSignature>>();
  return (signature) => {
    const key = signatureCacheKey(text, signature);
    if (key === undefined) return check(text, signature, verifier);
    let pending = inThisUpdate.get(key);
    if (pending === undefined) {
      const hit = cache?.get(key);
      pending =
        hit !== undefined
          ? Promise.resolve(hit)
          : check(text, signature, verifier).then((verified) => {
              cache?.set(key, verified);
              return verified;
            });
      inThisUpdate.set(key, pending);
    }
    return pending;
  };
}

async function verifyAction(action: IdentityAction, verify: Verify): Promise<VerifiedAction> {
  switch (action.kind) {
    case 'createInbox':
      return {
        kind: action.kind,
        identifier: action.identifier,
        nonce: action.nonce,
        initialSignature: await verify(action.initialSignature),
      };
    case 'addAssociation':
      return {
        kind: action.kind,
        newMember: action.newMember,
        newMemberSignature: await verify(action.newMemberSignature),
        existingMemberSignature: await verify(action.existingMemberSignature),
      };
    case 'revokeAssociation':
      return {
        kind: action.kind,
        revokedMember: action.revokedMember,
        recoverySignature: await verify(action.recoverySignature),
      };
    case 'changeRecoveryAddress':
      return {
        kind: action.kind,
        newRecoveryIdentifier: action.newRecoveryIdentifier,
        recoverySignature: await verify(action.recoverySignature),
      };
  }
}

/**
 * Check every signature of an update over the text of the *whole* update (libxmtp
 * unverified.rs `to_verified`), naming each signer. A bad signature throws Identity.BadSignature
 * (or Identity.SmartWalletUnsupported); the association rules are not looked at yet.
 */
export async function verifyIdentityUpdate(update: IdentityUpdate, options: VerifyOptions = {}): Promise<VerifiedIdentityUpdate> {
  const verify = onceEach(identityUpdateSignatureText(update), options);
  const actions: VerifiedAction[] = [];
  for (const action of update.actions) actions.push(await verifyAction(action, verify));
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
