import { hashMessage, hexToBytes } from 'viem';
import { isParleyError, ParleyError } from '../errors';
import { evmChainId, parseAccountId } from './accountId';
import { recoverErc191Signer } from './erc191Signature';
import { verifyInstallationSignature } from './installationKey';
import { verifyLegacyDelegatedSignature } from './legacyDelegatedSignature';
import type { UnverifiedSignature, VerifiedSignature } from './model';
import { verifyPasskeySignature } from './passkeySignature';
import type { SmartWalletVerifier } from './smartWalletVerifier';

const LOOSE_ADDRESS = /^(?:0x)?[0-9a-fA-F]{40}$/;

function bad(details: string): ParleyError {
  return new ParleyError('Identity.BadSignature', 'The signature does not verify.', { details });
}

/**
 * Check one signature over the update's text and say who made it, as libxmtp v1.10.0's
 * `UnverifiedSignature::to_verified` does (verified_signature.rs). It proves only who signed;
 * whether that signer may do what the action asks is the association rules' business.
 */
export async function verifySignature(
  text: string,
  signature: UnverifiedSignature,
  verifier: SmartWalletVerifier,
): Promise<VerifiedSignature> {
  switch (signature.kind) {
    case 'erc191': {
      const { address, normalizedBytes } = await recoverErc191Signer(text, signature.bytes);
      return { signer: { kind: 'ethereum', address }, kind: 'erc191', rawBytes: normalizedBytes, chainId: undefined };
    }
    case 'installationKey': {
      if (!verifyInstallationSignature(signature.publicKey, text, signature.bytes)) {
        throw new ParleyError('Identity.BadSignature', 'The installation signature does not verify.', {
          details: `${signature.bytes.length}-byte signature by a ${signature.publicKey.length}-byte key`,
        });
      }
      return {
        signer: { kind: 'installation', publicKey: signature.publicKey },
        kind: 'installationKey',
        rawBytes: signature.bytes,
        chainId: undefined,
      };
    }
    case 'erc6492': {
      const account = parseAccountId(signature.accountId);
      if (account === undefined) throw bad(`account id ${JSON.stringify(signature.accountId)} is not CAIP-10`);
      let valid: boolean;
      try {
        valid = await verifier.verify({
          accountId: signature.accountId,
          blockNumber: signature.blockNumber,
          hash: hexToBytes(hashMessage(text)),
          signature: signature.signature,
        });
      } catch (e) {
        if (isParleyError(e)) throw e;
        throw new ParleyError('Identity.BadSignature', 'The smart-contract-wallet check failed.', { cause: e });
      }
      if (!valid) throw bad(`the smart contract wallet ${signature.accountId} refused the signature`);
      // libxmtp: MemberIdentifier::eth(address) (sanitized: optional 0x, lowercased), then the eip155 chain id.
      if (!LOOSE_ADDRESS.test(account.accountAddress)) throw bad('smart-contract-wallet address is not an Ethereum address');
      const chainId = evmChainId(account);
      if (chainId === undefined) throw bad(`chain ${account.chainId} is not eip155:<u64>`);
      return {
        signer: { kind: 'ethereum', address: account.accountAddress.toLowerCase() },
        kind: 'erc1271',
        rawBytes: signature.signature,
        chainId,
      };
    }
    case 'delegatedErc191': {
      const { walletAddress, walletSignature } = await verifyLegacyDelegatedSignature(text, signature);
      return {
        signer: { kind: 'ethereum', address: walletAddress },
        kind: 'legacyDelegated',
        rawBytes: walletSignature,
        chainId: undefined,
      };
    }
    case 'passkey': {
      const { relyingParty, compactSignature } = verifyPasskeySignature(text, signature);
      return {
        signer: { kind: 'passkey', key: signature.publicKey, relyingParty },
        kind: 'p256',
        rawBytes: compactSignature,
        chainId: undefined,
      };
    }
  }
}
