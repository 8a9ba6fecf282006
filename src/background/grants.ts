import type { Access, AccessScope } from '../core/rpc';
import type { Vault } from './vault/vault';

const GRANT = 'grant';

/**
 * Per-origin grants (DESIGN §4), sealed in the vault, keyed by the exact origin the browser
 * reported for the port. A change is announced at once so that the worker can push
 * `accessChanged` to that origin's open pages.
 */
export class Grants {
  private readonly listeners = new Set<(origin: string, access: Access | null) => void>();

  constructor(private readonly vault: Vault) {}

  get(origin: string): Promise<Access | undefined> {
    return this.vault.get<Access>(GRANT, origin);
  }

  /** The grant of an origin for this inbox; a grant made for another identity does not count. */
  async forInbox(origin: string, inboxId: string): Promise<Access | undefined> {
    const access = await this.get(origin);
    return access?.inboxId === inboxId ? access : undefined;
  }

  async grant(origin: string, scope: AccessScope, identity: { inboxId: string; address: string }, now = Date.now()): Promise<Access> {
    const access: Access = { origin, scope, inboxId: identity.inboxId, address: identity.address, grantedAt: now };
    await this.vault.put(GRANT, origin, access);
    this.emit(origin, access);
    return access;
  }

  async revoke(origin: string): Promise<boolean> {
    const existed = (await this.get(origin)) !== undefined;
    if (existed) {
      await this.vault.delete(GRANT, origin);
      this.emit(origin, null);
    }
    return existed;
  }

  /**
   * Every grant made for one inbox now belongs to another identity (same scope, same time), for
   * identity switching with "sites follow". Announced by the caller, once the switch is done.
   */
  async moveAll(fromInboxId: string, to: { inboxId: string; address: string }): Promise<string[]> {
    const moved: string[] = [];
    for (const access of await this.list()) {
      if (access.inboxId !== fromInboxId) continue;
      await this.vault.put(GRANT, access.origin, { ...access, inboxId: to.inboxId, address: to.address });
      moved.push(access.origin);
    }
    return moved;
  }

  /** Tells the listeners what an origin can use now, when that changed without a grant or revoke. */
  announce(origin: string, access: Access | null): void {
    this.emit(origin, access);
  }

  async list(): Promise<Access[]> {
    return (await this.vault.list<Access>(GRANT)).sort((a, b) => a.origin.localeCompare(b.origin));
  }

  onChange(fn: (origin: string, access: Access | null) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(origin: string, access: Access | null): void {
    for (const fn of this.listeners) fn(origin, access);
  }
}
