import { p256 } from '@noble/curves/nist.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import {
  applyIdentityUpdate,
  decodeIdentityUpdate,
  encodeIdentityUpdate,
  refusingSmartWalletVerifier,
  verifySignature,
  type SmartWalletVerifier,
} from '../../../src/core/identity';
import { signatureArb } from './arbitraries';
import { expectCode, fixtureUpdate } from './helpers';
import { PASSKEY_ORIGIN, passkeySignature } from './testSigners';

const TEXT = 'XMTP : Authenticate to inbox\n\nInbox ID: x';
const yes: SmartWalletVerifier = { verify: () => Promise.resolve(true) };

async function onlyParleyErrors(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!isParleyError(e)) throw e;
  }
}

describe('verifySignature', () => {
  it('gives only ParleyErrors for arbitrary signatures of every kind', async () => {
    await fc.assert(
      fc.asyncProperty(signatureArb, fc.boolean(), async (sig, scwValid) => {
        await onlyParleyErrors(() => verifySignature(TEXT, sig, scwValid ? yes : refusingSmartWalletVerifier));
      }),
      { numRuns: 400 },
    );
  });

  it('gives only ParleyErrors for corrupted real updates run through decode and the rules', async () => {
    const valid = encodeIdentityUpdate(fixtureUpdate());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        async (edits) => {
          const bytes = valid.slice();
          for (const [at, value] of edits) bytes[at] = value;
          await onlyParleyErrors(() => applyIdentityUpdate(undefined, decodeIdentityUpdate(bytes)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names a passkey by its key and the client data’s origin, and takes high-s signatures like the p256 crate', async () => {
    const sig = passkeySignature(TEXT, 3);
    const verified = await verifySignature(TEXT, sig, refusingSmartWalletVerifier);
    expect(verified).toMatchObject({ kind: 'p256', signer: { kind: 'passkey', key: sig.publicKey, relyingParty: PASSKEY_ORIGIN } });
    expect(verified.rawBytes).toHaveLength(64);

    const parsed = p256.Signature.fromBytes(sig.signature, 'der');
    const highS = new p256.Signature(parsed.r, p256.Point.Fn.ORDER - parsed.s).toBytes('der');
    await expect(verifySignature(TEXT, { ...sig, signature: highS }, refusingSmartWalletVerifier)).resolves.toMatchObject({ kind: 'p256' });
  });

  it('refuses a passkey assertion whose challenge is another text, or whose data was altered', async () => {
    await expectCode(verifySignature(`${TEXT}!`, passkeySignature(TEXT, 3), refusingSmartWalletVerifier), 'Identity.BadSignature');
    const sig = passkeySignature(TEXT, 3);
    const authenticatorData = sig.authenticatorData.slice();
    authenticatorData[0] = 0;
    await expectCode(verifySignature(TEXT, { ...sig, authenticatorData }, refusingSmartWalletVerifier), 'Identity.BadSignature');
    await expectCode(
      verifySignature(TEXT, { ...sig, clientDataJson: utf8ToBytes('[]') }, refusingSmartWalletVerifier),
      'Identity.BadSignature',
    );
  });

  it('asks the smart-wallet verifier with the EIP-191 hash, and refuses what it refuses', async () => {
    const requests: Parameters<SmartWalletVerifier['verify']>[0][] = [];
    const no: SmartWalletVerifier = {
      verify: (r) => {
        requests.push(r);
        return Promise.resolve(false);
      },
    };
    const sig = { kind: 'erc6492', accountId: 'eip155:10:0xAbCdEf0123456789abcdef0123456789ABCDEF01', blockNumber: 5n, signature: new Uint8Array([1]) } as const;
    await expectCode(verifySignature(TEXT, sig, no), 'Identity.BadSignature');
    expect(requests[0]?.hash).toHaveLength(32);
    expect(requests[0]?.blockNumber).toBe(5n);
    const ok = await verifySignature(TEXT, sig, yes);
    expect(ok).toMatchObject({ kind: 'erc1271', chainId: 10n, signer: { address: '0xabcdef0123456789abcdef0123456789abcdef01' } });
    await expectCode(verifySignature(TEXT, sig, refusingSmartWalletVerifier), 'Identity.SmartWalletUnsupported');
    await expectCode(verifySignature(TEXT, { ...sig, accountId: 'cosmos:hub:0xabcdef0123456789abcdef0123456789abcdef01' }, yes), 'Identity.BadSignature');
  });

  it('refuses a wallet signature of the wrong length or with an impossible recovery byte', async () => {
    await expectCode(verifySignature(TEXT, { kind: 'erc191', bytes: new Uint8Array(64).fill(1) }, yes), 'Identity.BadSignature');
    const bytes = new Uint8Array(65).fill(1);
    bytes[64] = 30;
    await expectCode(verifySignature(TEXT, { kind: 'erc191', bytes }, yes), 'Identity.BadSignature');
  });
});
