import { ParleyError } from '../../core/errors';
import { decodeIdentityUpdate } from '../../core/identity/codec';
import { applyIdentityUpdate, associationStateFromLog } from '../../core/identity/applyIdentityUpdate';
import { NEW_UPDATE_POLICY } from '../../core/identity/associationRules';
import type { AssociationState } from '../../core/identity/associationState';
import { identifierText, type IdentityUpdate, type MemberIdentifier } from '../../core/identity/model';
import type { SmartWalletVerifier } from '../../core/identity/smartWalletVerifier';
import { VerifiedSignatureCache } from '../../core/identity/verifiedSignatureCache';
import { validateXmtpKeyPackage } from '../../core/mls/keyPackageValidate';
import type { IdentityUpdateRecord, MemberKey } from '../storage/types';
import { groupMessageFraming } from './privateMessageHeader';

export interface CheckedKeyPackage {
  inboxId: string;
  installationKey: Uint8Array;
  /** The leaf node's lifetime, Unix seconds: the node keeps an installation's newest. */
  notBefore: bigint;
  notAfter: bigint;
}

export interface CheckedGroupMessage {
  groupId: Uint8Array;
  isCommit: boolean;
}

/** What a valid identity update changes in its inbox's membership. */
export interface CheckedIdentityUpdate {
  inboxId: string;
  added: MemberKey[];
  removed: MemberKey[];
}

/**
 * Every check the node makes on what it stores, one function each, all in this file so each
 * is one call in one place. Each throws a ParleyError naming the problem (answered as
 * INVALID_ARGUMENT) and otherwise returns what the node files the payload under.
 */
export interface NodeValidators {
  /** MLS signature, credential = inbox id, XMTP profile, lifetime (src/core/mls). */
  keyPackage(tls: Uint8Array, now: Date): Promise<CheckedKeyPackage>;
  /** A TLS MLSMessage carrying a group message; its clear framing names the group. */
  groupMessage(data: Uint8Array): CheckedGroupMessage;
  /**
   * `update`, as decoded from the request, verified and applied against the inbox's stored log
   * (no encode and decode again just to validate).
   */
  identityUpdate(log: readonly IdentityUpdateRecord[], update: IdentityUpdate): Promise<CheckedIdentityUpdate>;
}

export function memberKeyOf(member: MemberIdentifier): MemberKey {
  switch (member.kind) {
    case 'ethereum':
      return { kind: 'ethereum', address: member.address };
    case 'passkey':
      return { kind: 'passkey', key: identifierText(member) };
    case 'installation':
      return { kind: 'installation', installationKey: member.publicKey };
  }
}

function invalid(message: string, details: string): never {
  throw new ParleyError('Api.InvalidArgument', message, { details });
}

/** Inbox states kept so a publish does not re-verify the whole log (each entry: one inbox). */
const STATE_CACHE_ENTRIES = 1000;

export interface CoreValidatorOptions {
  smartWalletVerifier: SmartWalletVerifier;
}

/** The node's validators over src/core. */
export function createCoreValidators(options: CoreValidatorOptions): NodeValidators {
  const verifier = options.smartWalletVerifier;
  // The node's own, not the process-wide one: a node and clients sharing a process (tests, the
  // benchmarks) must each pay for their checks as they would on separate machines. It spares a
  // replay of a log whose state the state cache below has dropped.
  const signatureCache = new VerifiedSignatureCache();
  // inbox id → its state after the log up to `lastSequenceId`; Map order gives LRU eviction.
  const states = new Map<string, { lastSequenceId: bigint; state: AssociationState | undefined }>();

  async function stateAfter(inboxId: string, log: readonly IdentityUpdateRecord[]): Promise<AssociationState | undefined> {
    const lastSequenceId = log[log.length - 1]?.sequenceId ?? 0n;
    const cached = states.get(inboxId);
    let state: AssociationState | undefined;
    if (cached && cached.lastSequenceId === lastSequenceId) {
      state = cached.state;
    } else {
      // A log the node accepted is replayed by libxmtp's rules alone (LOG_REPLAY_POLICY).
      state = await associationStateFromLog(log.map((u) => decodeIdentityUpdate(u.update)), { verifier, signatureCache });
    }
    states.delete(inboxId);
    states.set(inboxId, { lastSequenceId, state });
    if (states.size > STATE_CACHE_ENTRIES) {
      const oldest = states.keys().next().value;
      if (oldest !== undefined) states.delete(oldest);
    }
    return state;
  }

  return {
    async keyPackage(tls, now) {
      const kp = await validateXmtpKeyPackage(tls, now);
      return { inboxId: kp.inboxId, installationKey: kp.installationKey, notBefore: kp.notBefore, notAfter: kp.notAfter };
    },
    groupMessage(data) {
      const framing = groupMessageFraming(data);
      if (framing.wireFormat === 'public' && framing.contentType === 'application') {
        // RFC 9420 §6.2: application data is never sent as a PublicMessage.
        invalid('The group message is an application message in a PublicMessage.', 'RFC 9420 §6.2 forbids it');
      }
      return { groupId: framing.groupId, isCommit: framing.contentType === 'commit' };
    },
    async identityUpdate(log, update) {
      if (!/^[0-9a-f]{64}$/.test(update.inboxId)) {
        invalid('The identity update names no valid inbox id.', JSON.stringify(update.inboxId.slice(0, 80)));
      }
      const before = await stateAfter(update.inboxId, log);
      // NEW_UPDATE_POLICY: signatures, association rules, at most 10 installations and 256 updates.
      const { diff } = await applyIdentityUpdate(before, update, { verifier, signatureCache, policy: NEW_UPDATE_POLICY });
      return {
        inboxId: update.inboxId,
        added: diff.addedMembers.map(memberKeyOf),
        removed: diff.removedMembers.map(memberKeyOf),
      };
    },
  };
}
