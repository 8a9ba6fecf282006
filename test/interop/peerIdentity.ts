import { randomBytes } from 'node:crypto';
import { bytesToHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

/** A fresh Ethereum account and local-database key for one node-sdk peer. */
export interface PeerIdentity {
  privateKey: `0x${string}`;
  /** Lowercase 0x address, as XMTP identifiers are compared. */
  address: `0x${string}`;
  /** node-sdk encrypts its local database with this 32-byte key. */
  dbEncryptionKey: `0x${string}`;
}

export function newPeerIdentity(): PeerIdentity {
  const privateKey = generatePrivateKey();
  return {
    privateKey,
    address: privateKeyToAccount(privateKey).address.toLowerCase() as `0x${string}`,
    dbEncryptionKey: bytesToHex(randomBytes(32)),
  };
}
