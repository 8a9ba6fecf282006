/**
 * CAIP-10 account ids as libxmtp v1.10.0 accepts them (xmtp_id associations/serialization.rs
 * `TryFrom<String> for AccountId`, signature.rs `AccountId::get_chain_id_u64`).
 */
export interface AccountId {
  /** `namespace:reference`, e.g. `eip155:8453`. */
  readonly chainId: string;
  readonly accountAddress: string;
}

const CHAIN_ID = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;
const ACCOUNT_ADDRESS = /^[-.%a-zA-Z0-9]{1,128}$/;
const U64_MAX = (1n << 64n) - 1n;

/** The parsed id, or undefined when libxmtp would refuse it while decoding. */
export function parseAccountId(text: string): AccountId | undefined {
  const parts = text.split(':');
  if (parts.length !== 3) return undefined;
  const [namespace, reference, accountAddress] = parts as [string, string, string];
  const chainId = `${namespace}:${reference}`;
  if (!CHAIN_ID.test(chainId) || !ACCOUNT_ADDRESS.test(accountAddress)) return undefined;
  return { chainId, accountAddress };
}

/** The EVM chain id, or undefined when the id is not `eip155:<u64>`. */
export function evmChainId(accountId: AccountId): bigint | undefined {
  if (!accountId.chainId.startsWith('eip155:')) return undefined;
  const digits = accountId.chainId.slice('eip155:'.length);
  // Rust's u64 parser takes an optional leading '+', which the CAIP-10 pattern already excludes.
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const id = BigInt(digits);
  return id <= U64_MAX ? id : undefined;
}

export function formatAccountId(chainId: bigint, address: string): string {
  return `eip155:${chainId.toString(10)}:${address}`;
}
