import { ed25519, ed25519ph } from '@noble/curves/ed25519.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { hexToBytes, recoverMessageAddress, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  eip1193Signer,
  generateInstallationKey,
  generateWalletPrivateKey,
  installationKeySigner,
  installationPublicKey,
  privateKeySigner,
  signWithInstallationKey,
  verifyInstallationSignature,
  type Eip1193Provider,
} from '../../../src/core/identity';
import { expectCode } from './helpers';

const TEXT = 'XMTP : Authenticate to inbox\n\nhello ✓';

describe('wallet signers', () => {
  it('a local account signs EIP-191 as its address', async () => {
    const key = generateWalletPrivateKey();
    const signer = privateKeySigner(key);
    expect(signer.identifier).toBe(privateKeyToAccount(key).address.toLowerCase());
    const sig = await signer.signMessage(TEXT);
    expect(sig).toHaveLength(65);
    expect((await recoverMessageAddress({ message: TEXT, signature: toHex(sig) })).toLowerCase()).toBe(signer.identifier);
  });

  it('an EIP-1193 wallet is asked to personal_sign the UTF-8 text for its address', async () => {
    const account = privateKeyToAccount(generateWalletPrivateKey());
    const seen: unknown[] = [];
    const provider: Eip1193Provider = {
      async request({ method, params }) {
        seen.push(method, params);
        const [data, address] = params as [`0x${string}`, string];
        expect(address).toBe(account.address.toLowerCase());
        return account.signMessage({ message: { raw: data } });
      },
    };
    const signer = eip1193Signer(provider, account.address);
    const sig = await signer.signMessage(TEXT);
    expect(seen[0]).toBe('personal_sign');
    expect((seen[1] as string[])[0]).toBe(toHex(utf8ToBytes(TEXT)));
    expect(await recoverMessageAddress({ message: TEXT, signature: toHex(sig) })).toBe(account.address);
  });

  it('maps a user rejection (4001) to Identity.SignerRejected and other failures to Identity.SignerFailed', async () => {
    const address = privateKeyToAccount(generateWalletPrivateKey()).address;
    const rejecting = eip1193Signer({ request: () => Promise.reject(Object.assign(new Error('User rejected'), { code: 4001 })) }, address);
    await expectCode(rejecting.signMessage(TEXT), 'Identity.SignerRejected');
    const broken = eip1193Signer({ request: () => Promise.reject(new Error('disconnected')) }, address);
    await expectCode(broken.signMessage(TEXT), 'Identity.SignerFailed');
    const garbage = eip1193Signer({ request: () => Promise.resolve('0x1234') }, address);
    await expectCode(garbage.signMessage(TEXT), 'Identity.SignerFailed');
    await expectCode(() => eip1193Signer({ request: () => Promise.resolve('0x') }, 'alice.eth'), 'Identity.BadInput');
  });
});

describe('installation keys', () => {
  it('makes an Ed25519 key whose public key is the installation id', () => {
    const { secretKey, publicKey } = generateInstallationKey();
    expect(publicKey).toEqual(ed25519.getPublicKey(secretKey));
    expect(installationPublicKey(secretKey)).toEqual(publicKey);
    expect(installationKeySigner(secretKey).identifier).toBe(bytesToHex(publicKey));
  });

  it('signs Ed25519ph with the identity-update context: not plain Ed25519, not another context', async () => {
    const { secretKey, publicKey } = generateInstallationKey();
    const sig = await installationKeySigner(secretKey).signMessage(TEXT);
    expect(sig).toEqual(signWithInstallationKey(secretKey, TEXT));
    expect(verifyInstallationSignature(publicKey, TEXT, sig)).toBe(true);
    expect(ed25519.verify(sig, utf8ToBytes(TEXT), publicKey)).toBe(false);
    const otherContext = ed25519ph.sign(utf8ToBytes(TEXT), secretKey, {
      context: utf8ToBytes('PUBLIC SIGNATURE CONTEXT'),
    });
    expect(verifyInstallationSignature(publicKey, TEXT, otherContext)).toBe(false);
    expect(verifyInstallationSignature(publicKey, `${TEXT}.`, sig)).toBe(false);
    expect(verifyInstallationSignature(publicKey.slice(1), TEXT, sig)).toBe(false);
  });

  it('keeps its own copy of the secret, so the caller can wipe theirs', async () => {
    const { secretKey, publicKey } = generateInstallationKey();
    const signer = installationKeySigner(secretKey);
    secretKey.fill(0);
    expect(verifyInstallationSignature(publicKey, TEXT, await signer.signMessage(TEXT))).toBe(true);
    expect(hexToBytes(`0x${signer.identifier}`)).toEqual(publicKey);
  });
});
