/**
 * Assemble an identity update, let each required member sign its text once, and emit it
 * (libxmtp v1.10.0 xmtp_id associations/builder.rs: SignatureRequestBuilder, SignatureRequest).
 */
import { ParleyError } from '../errors';
import { isEthereumAddress } from './inboxId';
import type {
  Identifier,
  IdentityAction,
  IdentityUpdate,
  MemberIdentifier,
  UnsignedAction,
  UnverifiedSignature,
} from './model';
import { identifierText, memberKey } from './model';
import type { Signer } from './signer';
import { signWith } from './signer';
import { identityUpdateSignatureText } from './signatureText';
import type { VerifyOptions } from './applyIdentityUpdate';
import { refusingSmartWalletVerifier } from './smartWalletVerifier';
import { verifySignature } from './verifySignature';

type Role = 'initial' | 'existing' | 'new' | 'recovery';

interface PendingAction {
  readonly action: UnsignedAction;
  readonly signers: ReadonlyMap<Role, MemberIdentifier>;
}

/** Addresses go out lowercase, as libxmtp's `Identifier::eth` sanitizes them. */
function normalize<T extends MemberIdentifier>(id: T): T {
  if (id.kind !== 'ethereum') return id;
  if (!isEthereumAddress(id.address)) {
    throw new ParleyError('Identity.BadInput', 'Not an Ethereum address.', { details: JSON.stringify(id.address.slice(0, 64)) });
  }
  return { ...id, address: id.address.toLowerCase() };
}

export class IdentityUpdateBuilder {
  private readonly actions: PendingAction[] = [];

  /** `clientTimestampNs`: now, in nanoseconds since the epoch (see `clientTimestampNsNow`). */
  constructor(
    private readonly inboxId: string,
    private readonly clientTimestampNs: bigint,
  ) {}

  /** Must come first in an inbox's first update; the owner signs. */
  createInbox(owner: Identifier, nonce = 1n): this {
    const identifier = normalize(owner);
    this.actions.push({ action: { kind: 'createInbox', identifier, nonce }, signers: new Map([['initial', identifier]]) });
    return this;
  }

  /** Both the existing member and the new member sign. */
  addAssociation(newMember: MemberIdentifier, existingMember: MemberIdentifier): this {
    const member = normalize(newMember);
    this.actions.push({
      action: { kind: 'addAssociation', newMember: member },
      signers: new Map<Role, MemberIdentifier>([
        ['existing', normalize(existingMember)],
        ['new', member],
      ]),
    });
    return this;
  }

  /** The recovery identifier signs. */
  revokeAssociation(recoveryIdentifier: Identifier, revokedMember: MemberIdentifier): this {
    this.actions.push({
      action: { kind: 'revokeAssociation', revokedMember: normalize(revokedMember) },
      signers: new Map([['recovery', normalize(recoveryIdentifier)]]),
    });
    return this;
  }

  /** The current recovery identifier signs. */
  changeRecoveryAddress(recoveryIdentifier: Identifier, newRecoveryIdentifier: Identifier): this {
    this.actions.push({
      action: { kind: 'changeRecoveryAddress', newRecoveryIdentifier: normalize(newRecoveryIdentifier) },
      signers: new Map([['recovery', normalize(recoveryIdentifier)]]),
    });
    return this;
  }

  build(): SignatureRequest {
    return new SignatureRequest(this.inboxId, this.clientTimestampNs, [...this.actions]);
  }
}

/** Nanoseconds since the epoch, for `IdentityUpdateBuilder` (libxmtp `now_ns`). */
export function clientTimestampNsNow(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export class SignatureRequest {
  /** The exact text every signer signs. */
  readonly signatureText: string;
  private readonly signatures = new Map<string, UnverifiedSignature>();

  constructor(
    readonly inboxId: string,
    readonly clientTimestampNs: bigint,
    private readonly pending: readonly PendingAction[],
  ) {
    this.signatureText = identityUpdateSignatureText({
      inboxId,
      clientTimestampNs,
      actions: pending.map((p) => p.action),
    });
  }

  /** Members whose signature is still needed, each once. */
  missingSigners(): MemberIdentifier[] {
    const missing = new Map<string, MemberIdentifier>();
    for (const p of this.pending) {
      for (const member of p.signers.values()) {
        const key = memberKey(member);
        if (!this.signatures.has(key)) missing.set(key, member);
      }
    }
    return [...missing.values()];
  }

  isReady(): boolean {
    return this.missingSigners().length === 0;
  }

  /**
   * Verify a signature over the text and file it under the member who made it; refuses
   * (Identity.UnexpectedSigner) a signer the request is not waiting for.
   */
  async addSignature(signature: UnverifiedSignature, options: VerifyOptions = {}): Promise<void> {
    const verified = await verifySignature(this.signatureText, signature, options.verifier ?? refusingSmartWalletVerifier);
    const key = memberKey(verified.signer);
    if (!this.missingSigners().some((m) => memberKey(m) === key)) {
      throw new ParleyError('Identity.UnexpectedSigner', 'This request does not wait for that signer.', {
        details: `${verified.signer.kind} ${identifierText(verified.signer)}`,
      });
    }
    this.signatures.set(key, signature);
  }

  /** Have `signer` sign the text, then `addSignature` it. */
  async sign(signer: Signer, options: VerifyOptions = {}): Promise<void> {
    await this.addSignature(await signWith(signer, this.signatureText), options);
  }

  private signatureOf(p: PendingAction, role: Role): UnverifiedSignature {
    const member = p.signers.get(role);
    const signature = member && this.signatures.get(memberKey(member));
    if (member === undefined || signature === undefined) {
      throw new ParleyError('Identity.MissingSignature', 'A required signature is missing.', {
        details: member === undefined ? role : `${role}: ${member.kind} ${identifierText(member)}`,
      });
    }
    return signature;
  }

  /** The signed update, once every signer has signed. */
  toIdentityUpdate(): IdentityUpdate {
    const actions = this.pending.map((p): IdentityAction => {
      switch (p.action.kind) {
        case 'createInbox':
          return { ...p.action, initialSignature: this.signatureOf(p, 'initial') };
        case 'addAssociation':
          return {
            ...p.action,
            existingMemberSignature: this.signatureOf(p, 'existing'),
            newMemberSignature: this.signatureOf(p, 'new'),
          };
        case 'revokeAssociation':
          return { ...p.action, recoverySignature: this.signatureOf(p, 'recovery') };
        case 'changeRecoveryAddress':
          return { ...p.action, recoverySignature: this.signatureOf(p, 'recovery') };
      }
    });
    return { inboxId: this.inboxId, clientTimestampNs: this.clientTimestampNs, actions };
  }
}
