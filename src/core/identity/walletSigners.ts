import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Hex, LocalAccount } from 'viem';
import { hexToBytes, isHex, toHex } from 'viem';
import { ParleyError } from '../errors';
import { isEthereumAddress } from './inboxId';
import type { WalletSigner } from './signer';

/** A fresh secp256k1 private key for a local account (0x-hex, 32 bytes). */
export function generateWalletPrivateKey(): Hex {
  return generatePrivateKey();
}

/** An EOA signer over a viem local account (e.g. `privateKeyToAccount`). */
export function localAccountSigner(account: LocalAccount): WalletSigner {
  return {
    identifierKind: 'ethereum',
    identifier: account.address.toLowerCase(),
    signatureKind: 'erc191',
    async signMessage(text) {
      return hexToBytes(await account.signMessage({ message: text }));
    },
  };
}

/** An EOA signer holding its private key in memory (JS strings cannot be wiped: keep it short-lived). */
export function privateKeySigner(privateKey: Hex): WalletSigner {
  return localAccountSigner(privateKeyToAccount(privateKey));
}

/** The one method of an EIP-1193 provider this needs. */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] }): Promise<unknown>;
}

/**
 * An EOA signer that asks an external wallet (EIP-1193) to `personal_sign` the text
 * (params: hex of the UTF-8 text, then the address, as MetaMask and viem send them).
 */
export function eip1193Signer(provider: Eip1193Provider, address: string): WalletSigner {
  if (!isEthereumAddress(address)) {
    throw new ParleyError('Identity.BadInput', 'Not an Ethereum address.', { details: JSON.stringify(address.slice(0, 64)) });
  }
  const identifier = address.toLowerCase();
  return {
    identifierKind: 'ethereum',
    identifier,
    signatureKind: 'erc191',
    async signMessage(text) {
      let result: unknown;
      try {
        result = await provider.request({ method: 'personal_sign', params: [toHex(text), identifier] });
      } catch (e) {
        const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
        if (code === 4001) throw new ParleyError('Identity.SignerRejected', 'The wallet refused to sign.', { cause: e });
        throw new ParleyError('Identity.SignerFailed', 'The wallet could not sign.', { cause: e });
      }
      if (typeof result !== 'string' || !isHex(result) || result.length !== 2 + 65 * 2) {
        throw new ParleyError('Identity.SignerFailed', 'The wallet returned something other than a 65-byte signature.', {
          details: typeof result === 'string' ? `${result.length} characters` : typeof result,
        });
      }
      return hexToBytes(result);
    },
  };
}
