import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ParleyError } from '../core/errors';
import { generateInstallationKey, generateWalletPrivateKey, inboxIdFor, installationIdHex } from '../core/identity';
import type { IdentitySummary } from '../core/rpc';
import { randomHex } from './randomHex';
import type { Vault } from './vault/vault';

const IDENTITY = 'identity';
const ACTIVE = 'activeIdentity';

/** An identity as the vault keeps it (sealed): the wallet key and this extension's installation key. */
export interface StoredIdentity extends IdentitySummary {
  privateKey: Hex;
  /** Ed25519 seed of this installation (DESIGN §3: its public key is the installation id). */
  installationSecret: Uint8Array;
}

export function summaryOf(identity: StoredIdentity): IdentitySummary {
  const { id, label, address, inboxId, installationId, createdAt } = identity;
  return { id, label, address, inboxId, installationId, createdAt };
}

/** Several identities per vault, one active; each is an Ethereum account and its XMTP inbox. */
export class Identities {
  constructor(private readonly vault: Vault) {}

  async list(): Promise<IdentitySummary[]> {
    const all = await this.vault.list<StoredIdentity>(IDENTITY);
    return all.map(summaryOf).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async activeId(): Promise<string | null> {
    return (await this.vault.get<string>(ACTIVE)) ?? null;
  }

  async active(): Promise<StoredIdentity | undefined> {
    const id = await this.activeId();
    return id === null ? undefined : this.vault.get<StoredIdentity>(IDENTITY, id);
  }

  async requireActive(): Promise<StoredIdentity> {
    const identity = await this.active();
    if (!identity) throw new ParleyError('Vault.NoIdentity', 'Create or import an identity first.');
    return identity;
  }

  /**
   * A fresh Ethereum key generated here. Only the vault's first identity becomes the active one:
   * switching is the user's act (identity_select), since it changes what connected sites use.
   */
  create(label?: string): Promise<IdentitySummary> {
    return this.add(generateWalletPrivateKey(), label);
  }

  /** An existing key (active only if it is the first); importing an address already held returns that identity. */
  async import(privateKey: Hex, label?: string): Promise<IdentitySummary> {
    let address: string;
    try {
      address = privateKeyToAccount(privateKey).address.toLowerCase();
    } catch (cause) {
      throw new ParleyError('Rpc.InvalidParams', 'That is not a valid private key.', { cause });
    }
    const existing = (await this.list()).find((i) => i.address === address);
    if (existing) return existing;
    return this.add(privateKey, label);
  }

  async get(id: string): Promise<StoredIdentity | undefined> {
    return this.vault.get<StoredIdentity>(IDENTITY, id);
  }

  async require(id: string): Promise<StoredIdentity> {
    const identity = await this.get(id);
    if (!identity) throw new ParleyError('Rpc.NotFound', 'No such identity.');
    return identity;
  }

  async select(id: string): Promise<void> {
    await this.require(id);
    await this.vault.put(ACTIVE, '', id);
  }

  private async add(privateKey: Hex, label?: string): Promise<IdentitySummary> {
    const address = privateKeyToAccount(privateKey).address.toLowerCase();
    const installation = generateInstallationKey();
    const count = (await this.list()).length;
    const identity: StoredIdentity = {
      id: randomHex(16),
      label: label ?? `Identity ${count + 1}`,
      address,
      inboxId: inboxIdFor(address),
      installationId: installationIdHex(installation.publicKey),
      createdAt: Date.now(),
      privateKey,
      installationSecret: installation.secretKey,
    };
    await this.vault.put(IDENTITY, identity.id, identity);
    installation.secretKey.fill(0);
    if ((await this.activeId()) === null) await this.vault.put(ACTIVE, '', identity.id);
    return summaryOf(identity);
  }
}
