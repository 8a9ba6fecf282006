import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyIdentityUpdate,
  associationStateFromLog,
  IdentityUpdateBuilder,
  identityUpdateSignatureText,
  inboxIdFor,
  refusingSmartWalletVerifier,
  sharedVerifiedSignatureCache,
  signatureCacheKey,
  signerMember,
  VerifiedSignatureCache,
  verifyIdentityUpdate,
  verifySignature,
  type IdentityAction,
  type IdentityUpdate,
  type SignatureCheck,
  type UnverifiedSignature,
  type VerifiedSignature,
} from '../../../src/core/identity';
import { signatureArb } from './arbitraries';
import { expectCode, installation, signedUpdate, T0, wallet } from './helpers';

const alice = wallet(1);
const mallory = wallet(2);
const phone = installation(1);
const aliceInbox = inboxIdFor(alice.identifier);

/** CreateInbox + AddAssociation as the SDK sends it: the wallet's signature appears twice. */
function registration(at = T0): Promise<IdentityUpdate> {
  return signedUpdate(
    new IdentityUpdateBuilder(aliceInbox, at)
      .createInbox({ kind: 'ethereum', address: alice.identifier })
      .addAssociation(signerMember(phone), signerMember(alice)),
    [alice, phone],
  );
}

function counting(): { check: SignatureCheck; calls: UnverifiedSignature['kind'][] } {
  const calls: UnverifiedSignature['kind'][] = [];
  return {
    calls,
    check: (text, signature, verifier) => {
      calls.push(signature.kind);
      return verifySignature(text, signature, verifier);
    },
  };
}

type Create = Extract<IdentityAction, { kind: 'createInbox' }>;
type Add = Extract<IdentityAction, { kind: 'addAssociation' }>;

/** The same update with its wallet signatures replaced by `forged` (both places, as the SDK has them). */
function withWalletSignature(update: IdentityUpdate, forged: UnverifiedSignature): IdentityUpdate {
  const [create, add] = update.actions as [Create, Add];
  return {
    ...update,
    actions: [
      { ...create, initialSignature: forged },
      { ...add, existingMemberSignature: forged },
    ],
  };
}

function fakeVerified(n: number): VerifiedSignature {
  return { signer: { kind: 'ethereum', address: `0x${n.toString(16).padStart(40, '0')}` }, kind: 'erc191', rawBytes: new Uint8Array(65).fill(n), chainId: undefined };
}

describe('verifying each signature once', () => {
  it('checks the wallet signature an update carries twice only once', async () => {
    const update = await registration();
    const { check, calls } = counting();
    await verifyIdentityUpdate(update, { checkSignature: check, signatureCache: null });
    expect(calls.sort()).toEqual(['erc191', 'installationKey']);
  });

  it('does not check the signatures of an update verified before again', async () => {
    const update = await registration();
    const cache = new VerifiedSignatureCache();
    const { check, calls } = counting();
    const first = await applyIdentityUpdate(undefined, update, { checkSignature: check, signatureCache: cache });
    expect(calls).toHaveLength(2);
    const again = await associationStateFromLog([update], { checkSignature: check, signatureCache: cache });
    expect(calls).toHaveLength(2);
    expect(again).toEqual(first.state);
  });

  it('checks the same signature bytes over another text again', async () => {
    const update = await registration();
    const cache = new VerifiedSignatureCache();
    await verifyIdentityUpdate(update, { signatureCache: cache });
    // Another timestamp is another text; the old bytes do not sign it.
    const moved = { ...update, clientTimestampNs: update.clientTimestampNs + 1_000_000_000n };
    const { check, calls } = counting();
    // The wallet signature recovers some other address; the installation's does not verify.
    await expectCode(verifyIdentityUpdate(moved, { checkSignature: check, signatureCache: cache }), 'Identity.BadSignature');
    expect(calls).toEqual(['erc191', 'installationKey']);
    const wallet = (await verifySignature(identityUpdateSignatureText(moved), (moved.actions[0] as Create).initialSignature, refusingSmartWalletVerifier)).signer;
    expect(wallet).not.toEqual({ kind: 'ethereum', address: alice.identifier });
  });

  it('refuses a forged wallet signature after the same text was verified with a good one', async () => {
    const update = await registration();
    const cache = new VerifiedSignatureCache();
    await applyIdentityUpdate(undefined, update, { signatureCache: cache });
    const text = identityUpdateSignatureText(update);
    // Mallory's real signature over Alice's text: valid bytes, the wrong signer.
    const byMallory: UnverifiedSignature = { kind: 'erc191', bytes: await mallory.signMessage(text) };
    await expectCode(applyIdentityUpdate(undefined, withWalletSignature(update, byMallory), { signatureCache: cache }), 'Identity.SignerMismatch');
    // Alice's signature with one byte of r changed.
    const good = (update.actions[0] as Create).initialSignature as Extract<UnverifiedSignature, { kind: 'erc191' }>;
    const tampered = good.bytes.slice();
    tampered[5] = (tampered[5] as number) ^ 1;
    await expect(
      applyIdentityUpdate(undefined, withWalletSignature(update, { kind: 'erc191', bytes: tampered }), { signatureCache: cache }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^Identity\./) });
  });

  it('refuses a forged installation signature after the good one was verified', async () => {
    const update = await registration();
    const cache = new VerifiedSignatureCache();
    await applyIdentityUpdate(undefined, update, { signatureCache: cache });
    const [create, add] = update.actions as [Create, Add];
    const good = add.newMemberSignature as Extract<UnverifiedSignature, { kind: 'installationKey' }>;
    const bytes = good.bytes.slice();
    bytes[10] = (bytes[10] as number) ^ 0x40;
    const forged: IdentityUpdate = { ...update, actions: [create, { ...add, newMemberSignature: { ...good, bytes } }] };
    await expectCode(applyIdentityUpdate(undefined, forged, { signatureCache: cache }), 'Identity.BadSignature');
    // The good signature presented for another key does not pass on the cached verdict either.
    const otherKey = { ...good, publicKey: installation(9).publicKey };
    await expectCode(
      applyIdentityUpdate(undefined, { ...update, actions: [create, { ...add, newMemberSignature: otherKey }] }, { signatureCache: cache }),
      'Identity.BadSignature',
    );
  });

  it('keeps what an injected check accepted out of the process-wide cache', async () => {
    const update = await registration(T0 + 77n * 1_000_000_000n);
    const junk: UnverifiedSignature = { kind: 'erc191', bytes: new Uint8Array(65).fill(9) };
    const forged = withWalletSignature(update, junk);
    const text = identityUpdateSignatureText(forged);
    const lax: SignatureCheck = (t, signature, verifier) =>
      signature === junk
        ? Promise.resolve({ signer: { kind: 'ethereum', address: alice.identifier }, kind: 'erc191', rawBytes: junk.bytes, chainId: undefined })
        : verifySignature(t, signature, verifier);
    await verifyIdentityUpdate(forged, { checkSignature: lax });
    const key = signatureCacheKey(text, junk);
    expect(key && sharedVerifiedSignatureCache.get(key)).toBeUndefined();
    await expectCode(verifyIdentityUpdate(forged), 'Identity.BadSignature');
  });

  it('remembers no failed check', async () => {
    const update = await registration();
    const cache = new VerifiedSignatureCache();
    const broken = withWalletSignature(update, { kind: 'erc191', bytes: new Uint8Array(65).fill(7) });
    const { check, calls } = counting();
    for (let i = 0; i < 2; i++) {
      await expect(verifyIdentityUpdate(broken, { checkSignature: check, signatureCache: cache })).rejects.toThrow();
    }
    expect(calls).toEqual(['erc191', 'erc191']);
    expect(cache.size).toBe(0);
  });
});

describe('VerifiedSignatureCache', () => {
  it('holds at most its bound, dropping the least recently used', () => {
    const cache = new VerifiedSignatureCache(3);
    for (let i = 0; i < 3; i++) cache.set(`k${i}`, fakeVerified(i));
    expect(cache.get('k0')).toBeDefined();
    for (let i = 3; i < 10; i++) {
      cache.set(`k${i}`, fakeVerified(i));
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.size).toBe(3);
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k9')).toEqual(fakeVerified(9));
  });

  it('keeps its own copy of what it hands out', () => {
    const cache = new VerifiedSignatureCache();
    const stored = fakeVerified(1);
    cache.set('k', stored);
    stored.rawBytes.fill(0);
    const hit = cache.get('k');
    expect(hit).toEqual(fakeVerified(1));
    hit?.rawBytes.fill(0);
    expect(cache.get('k')).toEqual(fakeVerified(1));
  });

  it('has no key for smart-contract-wallet, legacy or passkey signatures', async () => {
    await fc.assert(
      fc.property(signatureArb, fc.string(), (signature, text) => {
        const key = signatureCacheKey(text, signature);
        expect(key === undefined).toBe(signature.kind !== 'erc191' && signature.kind !== 'installationKey');
      }),
      { numRuns: 300 },
    );
  });

  it('gives another key for any change to the kind, the text, the key or the signature bytes', () => {
    const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 80 });
    fc.assert(
      fc.property(fc.string(), fc.string(), bytesArb, bytesArb, bytesArb, bytesArb, (t1, t2, s1, s2, k1, k2) => {
        const a: UnverifiedSignature = { kind: 'installationKey', bytes: s1, publicKey: k1 };
        const b: UnverifiedSignature = { kind: 'installationKey', bytes: s2, publicKey: k2 };
        const same = t1 === t2 && Buffer.from(s1).equals(Buffer.from(s2)) && Buffer.from(k1).equals(Buffer.from(k2));
        expect(signatureCacheKey(t1, a) === signatureCacheKey(t2, b)).toBe(same);
        // Moving bytes between the key and the signature changes the key too (length prefixes).
        const joined = new Uint8Array([...k1, ...s1]);
        if (k1.length > 0) {
          expect(signatureCacheKey(t1, { kind: 'installationKey', bytes: joined, publicKey: new Uint8Array() })).not.toBe(signatureCacheKey(t1, a));
        }
        expect(signatureCacheKey(t1, { kind: 'erc191', bytes: s1 })).not.toBe(signatureCacheKey(t1, { kind: 'installationKey', bytes: s1, publicKey: new Uint8Array() }));
      }),
      { numRuns: 500 },
    );
  });
});
