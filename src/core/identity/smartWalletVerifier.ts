import { ParleyError } from '../errors';

/** One ERC-1271 / ERC-6492 check, as libxmtp's `SmartContractSignatureVerifier` asks it. */
export interface SmartWalletVerificationRequest {
  /** CAIP-10 account id, e.g. `eip155:8453:0xabc…`. */
  readonly accountId: string;
  /** The block to check at; the wire always carries one. */
  readonly blockNumber?: bigint;
  /** EIP-191 hash of the signature text (32 bytes). */
  readonly hash: Uint8Array;
  readonly signature: Uint8Array;
}

/** Checks smart-contract-wallet signatures on chain (an RPC client implements it). */
export interface SmartWalletVerifier {
  verify(request: SmartWalletVerificationRequest): Promise<boolean>;
}

/** The default: no chain access, so every smart-contract-wallet signature is refused. */
export const refusingSmartWalletVerifier: SmartWalletVerifier = {
  verify(request) {
    return Promise.reject(
      new ParleyError('Identity.SmartWalletUnsupported', 'Smart-contract-wallet signatures cannot be checked here.', {
        details: `no verifier configured for ${request.accountId}`,
      }),
    );
  },
};
