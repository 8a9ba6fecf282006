/**
 * IdentityUpdate ↔ protobuf (`xmtp.identity.associations`), through @xmtp/proto's generated
 * codecs. Mirrors libxmtp v1.10.0 xmtp_id associations/serialization.rs: identifiers are kept
 * as sent, an unspecified identifier kind means Ethereum, a passkey identifier is hex.
 */
import {
  IdentifierKind,
  IdentityUpdate as IdentityUpdateProto,
  type DeepPartial,
  type IdentityAction as IdentityActionProto,
  type MemberIdentifier as MemberIdentifierProto,
} from '@xmtp/proto/identity/associations/association.pb';
import type { Signature as SignatureProto } from '@xmtp/proto/identity/associations/signature.pb';
import { hexToBytes } from '@noble/hashes/utils.js';
import { isParleyError, ParleyError } from '../errors';
import { parseAccountId } from './accountId';
import type { IdentityAction, IdentityUpdate, Identifier, MemberIdentifier, UnverifiedSignature } from './model';
import { identifierText } from './model';

/**
 * Far above any real update (CreateInbox + AddAssociation is ~420 bytes; revoking hundreds of
 * installations at once stays under 100 KiB) and far below the node's 25 MiB gRPC cap.
 */
export const MAX_IDENTITY_UPDATE_BYTES = 512 * 1024;
export const MAX_IDENTITY_UPDATE_ACTIONS = 2048;

/** What ts-proto hands back for a uint64: a `long` Long; only its decimal form is needed. */
interface LongLike {
  toString(radix?: number): string;
}

function malformed(details: string, cause?: unknown): ParleyError {
  return new ParleyError('Codec.Malformed', 'Malformed identity update.', { details, cause });
}

/** protobufjs may hand out views into its input (or Node Buffers): take a plain copy. */
function own(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function u64(value: LongLike): bigint {
  // Generated code may build a signed Long from a decimal string; the bits are what count.
  return BigInt.asUintN(64, BigInt(value.toString(10)));
}

/** ts-proto models a oneof as optional fields; the wire could set several, prost keeps one. */
function onlyOne(what: string, present: readonly unknown[]): void {
  if (present.filter((v) => v !== undefined).length > 1) {
    throw malformed(`${what} sets more than one variant of its oneof`);
  }
}

function identifierFromProto(text: string, kind: IdentifierKind, relyingParty: string | undefined, what: string): Identifier {
  // prost maps unknown enum numbers to the default; libxmtp then treats Unspecified as Ethereum.
  if (kind !== IdentifierKind.IDENTIFIER_KIND_PASSKEY) return { kind: 'ethereum', address: text };
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw malformed(`${what}: passkey identifier is not hex`);
  const key = hexToBytes(text.toLowerCase());
  return relyingParty === undefined ? { kind: 'passkey', key } : { kind: 'passkey', key, relyingParty };
}

function memberFromProto(proto: MemberIdentifierProto | undefined, what: string): MemberIdentifier {
  if (proto === undefined) throw malformed(`${what} is missing`);
  onlyOne(what, [proto.ethereumAddress, proto.installationPublicKey, proto.passkey]);
  if (proto.ethereumAddress !== undefined) return { kind: 'ethereum', address: proto.ethereumAddress };
  if (proto.installationPublicKey !== undefined) {
    return { kind: 'installation', publicKey: own(proto.installationPublicKey) };
  }
  if (proto.passkey !== undefined) {
    const key = own(proto.passkey.key);
    const rp = proto.passkey.relyingParty;
    return rp === undefined ? { kind: 'passkey', key } : { kind: 'passkey', key, relyingParty: rp };
  }
  throw malformed(`${what} has no identifier`);
}

function signatureFromProto(proto: SignatureProto | undefined, what: string): UnverifiedSignature {
  if (proto === undefined) throw malformed(`${what} is missing`);
  const { erc191, erc6492, installationKey, delegatedErc191, passkey } = proto;
  onlyOne(what, [erc191, erc6492, installationKey, delegatedErc191, passkey]);
  if (erc191 !== undefined) return { kind: 'erc191', bytes: own(erc191.bytes) };
  if (erc6492 !== undefined) {
    // libxmtp parses the CAIP-10 account id while decoding (serialization.rs `TryFrom<String> for AccountId`).
    if (parseAccountId(erc6492.accountId) === undefined) throw malformed(`${what}: account id is not CAIP-10`);
    return {
      kind: 'erc6492',
      accountId: erc6492.accountId,
      blockNumber: u64(erc6492.blockNumber),
      signature: own(erc6492.signature),
    };
  }
  if (installationKey !== undefined) {
    return { kind: 'installationKey', bytes: own(installationKey.bytes), publicKey: own(installationKey.publicKey) };
  }
  if (delegatedErc191 !== undefined) {
    if (delegatedErc191.signature === undefined) throw malformed(`${what}: delegated signature is missing`);
    if (delegatedErc191.delegatedKey === undefined) throw malformed(`${what}: delegated key is missing`);
    const key = delegatedErc191.delegatedKey;
    const sig = key.signature;
    return {
      kind: 'delegatedErc191',
      signature: own(delegatedErc191.signature.bytes),
      delegatedKey: {
        keyBytes: own(key.keyBytes),
        signature:
          sig === undefined
            ? undefined
            : {
                ecdsaCompact: sig.ecdsaCompact && { bytes: own(sig.ecdsaCompact.bytes), recovery: sig.ecdsaCompact.recovery },
                walletEcdsaCompact: sig.walletEcdsaCompact && {
                  bytes: own(sig.walletEcdsaCompact.bytes),
                  recovery: sig.walletEcdsaCompact.recovery,
                },
              },
      },
    };
  }
  if (passkey !== undefined) {
    return {
      kind: 'passkey',
      publicKey: own(passkey.publicKey),
      signature: own(passkey.signature),
      authenticatorData: own(passkey.authenticatorData),
      clientDataJson: own(passkey.clientDataJson),
    };
  }
  throw malformed(`${what} has no signature`);
}

function actionFromProto(proto: IdentityActionProto, index: number): IdentityAction {
  const at = `action ${index}`;
  const { createInbox, add, revoke, changeRecoveryAddress } = proto;
  onlyOne(at, [createInbox, add, revoke, changeRecoveryAddress]);
  if (createInbox !== undefined) {
    return {
      kind: 'createInbox',
      identifier: identifierFromProto(createInbox.initialIdentifier, createInbox.initialIdentifierKind, createInbox.relyingParty, at),
      nonce: u64(createInbox.nonce),
      initialSignature: signatureFromProto(createInbox.initialIdentifierSignature, `${at} initial signature`),
    };
  }
  if (add !== undefined) {
    return {
      kind: 'addAssociation',
      newMember: memberFromProto(add.newMemberIdentifier, `${at} new member`),
      existingMemberSignature: signatureFromProto(add.existingMemberSignature, `${at} existing member signature`),
      newMemberSignature: signatureFromProto(add.newMemberSignature, `${at} new member signature`),
    };
  }
  if (revoke !== undefined) {
    return {
      kind: 'revokeAssociation',
      revokedMember: memberFromProto(revoke.memberToRevoke, `${at} member to revoke`),
      recoverySignature: signatureFromProto(revoke.recoveryIdentifierSignature, `${at} recovery signature`),
    };
  }
  if (changeRecoveryAddress !== undefined) {
    const c = changeRecoveryAddress;
    return {
      kind: 'changeRecoveryAddress',
      newRecoveryIdentifier: identifierFromProto(c.newRecoveryIdentifier, c.newRecoveryIdentifierKind, c.relyingParty, at),
      recoverySignature: signatureFromProto(c.existingRecoveryIdentifierSignature, `${at} recovery signature`),
    };
  }
  throw malformed(`${at} has no kind`);
}

/** The typed update from an already decoded proto (e.g. a PublishIdentityUpdateRequest's). */
export function identityUpdateFromProto(proto: IdentityUpdateProto): IdentityUpdate {
  try {
    if (proto.actions.length > MAX_IDENTITY_UPDATE_ACTIONS) {
      throw new ParleyError('Codec.TooLarge', 'Identity update has too many actions.', {
        details: `${proto.actions.length} actions, at most ${MAX_IDENTITY_UPDATE_ACTIONS}`,
      });
    }
    return {
      inboxId: proto.inboxId,
      clientTimestampNs: u64(proto.clientTimestampNs),
      actions: proto.actions.map(actionFromProto),
    };
  } catch (e) {
    if (isParleyError(e)) throw e;
    throw malformed('unexpected shape', e);
  }
}

/** Decode `IdentityUpdate` bytes; hostile input gives Codec.TooLarge or Codec.Malformed only. */
export function decodeIdentityUpdate(bytes: Uint8Array): IdentityUpdate {
  if (bytes.length > MAX_IDENTITY_UPDATE_BYTES) {
    throw new ParleyError('Codec.TooLarge', 'Identity update is too large.', {
      details: `${bytes.length} bytes, at most ${MAX_IDENTITY_UPDATE_BYTES}`,
    });
  }
  let proto: IdentityUpdateProto;
  try {
    proto = IdentityUpdateProto.decode(bytes);
  } catch (e) {
    throw malformed('not a protobuf IdentityUpdate', e);
  }
  return identityUpdateFromProto(proto);
}

function identifierKindOf(id: Identifier): IdentifierKind {
  return id.kind === 'passkey' ? IdentifierKind.IDENTIFIER_KIND_PASSKEY : IdentifierKind.IDENTIFIER_KIND_ETHEREUM;
}

function relyingPartyOf(id: MemberIdentifier): string | undefined {
  return id.kind === 'passkey' ? id.relyingParty : undefined;
}

function u64String(value: bigint, what: string): string {
  if (value < 0n || value >= 1n << 64n) {
    throw new ParleyError('Identity.BadInput', `The ${what} must be a 64-bit unsigned integer.`, { details: `${value}` });
  }
  return value.toString(10);
}

// Built as DeepPartial so that the generated fromPartial turns decimal strings into uint64 Longs.
type ActionPartial = DeepPartial<IdentityActionProto>;
type SignaturePartial = DeepPartial<SignatureProto>;

function memberToProto(id: MemberIdentifier): MemberIdentifierProto {
  switch (id.kind) {
    case 'ethereum':
      return { ethereumAddress: id.address };
    case 'installation':
      return { installationPublicKey: id.publicKey };
    case 'passkey':
      return { passkey: id.relyingParty === undefined ? { key: id.key } : { key: id.key, relyingParty: id.relyingParty } };
  }
}

function signatureToProto(sig: UnverifiedSignature): SignaturePartial {
  switch (sig.kind) {
    case 'erc191':
      return { erc191: { bytes: sig.bytes } };
    case 'erc6492':
      return { erc6492: { accountId: sig.accountId, blockNumber: u64String(sig.blockNumber, 'block number'), signature: sig.signature } };
    case 'installationKey':
      return { installationKey: { bytes: sig.bytes, publicKey: sig.publicKey } };
    case 'delegatedErc191':
      return { delegatedErc191: { delegatedKey: sig.delegatedKey, signature: { bytes: sig.signature } } };
    case 'passkey':
      return {
        passkey: {
          publicKey: sig.publicKey,
          signature: sig.signature,
          authenticatorData: sig.authenticatorData,
          clientDataJson: sig.clientDataJson,
        },
      };
  }
}

function actionToProto(action: IdentityAction): ActionPartial {
  switch (action.kind) {
    case 'createInbox': {
      const rp = relyingPartyOf(action.identifier);
      return {
        createInbox: {
          initialIdentifier: identifierText(action.identifier),
          nonce: u64String(action.nonce, 'nonce'),
          initialIdentifierSignature: signatureToProto(action.initialSignature),
          initialIdentifierKind: identifierKindOf(action.identifier),
          ...(rp === undefined ? {} : { relyingParty: rp }),
        },
      };
    }
    case 'addAssociation': {
      // libxmtp repeats a passkey's relying party on the action (serialization.rs).
      const rp = relyingPartyOf(action.newMember);
      return {
        add: {
          newMemberIdentifier: memberToProto(action.newMember),
          existingMemberSignature: signatureToProto(action.existingMemberSignature),
          newMemberSignature: signatureToProto(action.newMemberSignature),
          ...(rp === undefined ? {} : { relyingParty: rp }),
        },
      };
    }
    case 'revokeAssociation':
      return {
        revoke: {
          memberToRevoke: memberToProto(action.revokedMember),
          recoveryIdentifierSignature: signatureToProto(action.recoverySignature),
        },
      };
    case 'changeRecoveryAddress': {
      const rp = relyingPartyOf(action.newRecoveryIdentifier);
      return {
        changeRecoveryAddress: {
          newRecoveryIdentifier: identifierText(action.newRecoveryIdentifier),
          existingRecoveryIdentifierSignature: signatureToProto(action.recoverySignature),
          newRecoveryIdentifierKind: identifierKindOf(action.newRecoveryIdentifier),
          ...(rp === undefined ? {} : { relyingParty: rp }),
        },
      };
    }
  }
}

/** The proto form, e.g. to place in a PublishIdentityUpdateRequest. */
export function identityUpdateToProto(update: IdentityUpdate): IdentityUpdateProto {
  const partial: DeepPartial<IdentityUpdateProto> = {
    inboxId: update.inboxId,
    clientTimestampNs: u64String(update.clientTimestampNs, 'client timestamp'),
    actions: update.actions.map(actionToProto),
  };
  return IdentityUpdateProto.fromPartial(partial);
}

export function encodeIdentityUpdate(update: IdentityUpdate): Uint8Array {
  return own(IdentityUpdateProto.encode(identityUpdateToProto(update)).finish());
}
