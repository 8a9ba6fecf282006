import fc from 'fast-check';
import type {
  Identifier,
  IdentityAction,
  IdentityUpdate,
  MemberIdentifier,
  UnverifiedSignature,
} from '../../../src/core/identity';

const bytes = fc.uint8Array({ maxLength: 70 });
const text = fc.string({ unit: 'grapheme', maxLength: 50 });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const optionalText = fc.option(text, { nil: undefined });

const passkey = fc.record({ key: bytes, relyingParty: optionalText }).map(({ key, relyingParty }) =>
  relyingParty === undefined ? ({ kind: 'passkey', key } as const) : ({ kind: 'passkey', key, relyingParty } as const),
);

export const identifierArb: fc.Arbitrary<Identifier> = fc.oneof(
  text.map((address) => ({ kind: 'ethereum', address }) as const),
  passkey,
);

export const memberArb: fc.Arbitrary<MemberIdentifier> = fc.oneof(
  identifierArb,
  bytes.map((publicKey) => ({ kind: 'installation', publicKey }) as const),
);

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: min, maxLength: max });
const lowerDigits = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const mixed = `${lowerDigits}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
export const accountIdArb = fc
  .tuple(chars(lowerDigits, 3, 8), chars(`${mixed}_`, 1, 32), chars(`${mixed}.%`, 1, 128))
  .map(([ns, ref, address]) => `${ns}:${ref}:${address}`);

const compact = fc.record({ bytes, recovery: fc.nat({ max: 0xffffffff }) });

export const signatureArb: fc.Arbitrary<UnverifiedSignature> = fc.oneof(
  bytes.map((b) => ({ kind: 'erc191', bytes: b }) as const),
  fc.record({ accountId: accountIdArb, blockNumber: u64, signature: bytes }).map((s) => ({ kind: 'erc6492', ...s }) as const),
  fc.record({ bytes, publicKey: bytes }).map((s) => ({ kind: 'installationKey', ...s }) as const),
  fc
    .record({
      signature: bytes,
      keyBytes: bytes,
      keySignature: fc.option(fc.oneof(compact.map((c) => ({ ecdsaCompact: c })), compact.map((c) => ({ walletEcdsaCompact: c }))), {
        nil: undefined,
      }),
    })
    .map(({ signature, keyBytes, keySignature }) => ({
      kind: 'delegatedErc191' as const,
      signature,
      delegatedKey: { keyBytes, signature: keySignature },
    })),
  fc
    .record({ publicKey: bytes, signature: bytes, authenticatorData: bytes, clientDataJson: bytes })
    .map((s) => ({ kind: 'passkey', ...s }) as const),
);

export const actionArb: fc.Arbitrary<IdentityAction> = fc.oneof(
  fc.record({ identifier: identifierArb, nonce: u64, initialSignature: signatureArb }).map((a) => ({ kind: 'createInbox', ...a }) as const),
  fc
    .record({ newMember: memberArb, existingMemberSignature: signatureArb, newMemberSignature: signatureArb })
    .map((a) => ({ kind: 'addAssociation', ...a }) as const),
  fc.record({ revokedMember: memberArb, recoverySignature: signatureArb }).map((a) => ({ kind: 'revokeAssociation', ...a }) as const),
  fc
    .record({ newRecoveryIdentifier: identifierArb, recoverySignature: signatureArb })
    .map((a) => ({ kind: 'changeRecoveryAddress', ...a }) as const),
);

export const updateArb: fc.Arbitrary<IdentityUpdate> = fc.record({
  inboxId: text,
  clientTimestampNs: u64,
  actions: fc.array(actionArb, { maxLength: 5 }),
});
