import type { Hex } from 'viem';
import { ParleyError } from '../core/errors';
import type { UiMethod, UiParams, UiResult, VaultStatus } from '../core/rpc';
import type { Approvals } from './approvals';
import type { AutoLock } from './autoLock';
import type { Grants } from './grants';
import type { Identities } from './identities';
import type { MessagingSession } from './messagingSession';
import type { Router } from './router';
import type { SettingsStore } from './settings';
import type { SiteConversations } from './siteConversations';
import type { Vault } from './vault/vault';

export interface UiDeps {
  vault: Vault;
  identities: Identities;
  approvals: Approvals;
  grants: Grants;
  sites: SiteConversations;
  settings: SettingsStore;
  autoLock: AutoLock;
  session: MessagingSession;
  router: Router;
  /** `chrome-extension://<id>`: the popup inbox runs under it. */
  extensionOrigin: string;
}

export type UiHandlerTable = { [M in UiMethod]: (params: UiParams<M>) => Promise<UiResult<M>> };

/** The worker's side of the messages from its own pages (onboarding, approval, popup). */
export function createUiHandlers(deps: UiDeps): UiHandlerTable {
  const { vault, identities } = deps;

  const status = async (): Promise<VaultStatus> => {
    const state = await vault.state();
    if (state !== 'unlocked') return { state, identities: [], activeIdentityId: null };
    return { state, identities: await identities.list(), activeIdentityId: await identities.activeId() };
  };

  const afterUnlock = async (): Promise<VaultStatus> => {
    await deps.autoLock.touch(true);
    await deps.session.reset();
    return status();
  };

  return {
    vault_status: status,
    vault_create: async ({ password }) => {
      await vault.create(password);
      return afterUnlock();
    },
    vault_unlock: async ({ password }) => {
      await vault.unlock(password);
      return afterUnlock();
    },
    vault_lock: async () => {
      await vault.lock();
      return status();
    },
    identity_create: async ({ label }) => {
      const created = await identities.create(label);
      await deps.session.reset();
      return created;
    },
    identity_import: async ({ privateKey, label }) => {
      const imported = await identities.import(privateKey as Hex, label);
      await deps.session.reset();
      return imported;
    },
    identity_select: async ({ id }) => {
      await identities.select(id);
      await deps.session.reset();
      return status();
    },
    approval_get: async ({ approvalId }) => deps.approvals.get(approvalId),
    approval_decide: async ({ approvalId, approved, scope }) => {
      if (approved) {
        // Approving needs an identity to grant; the page onboards or unlocks first.
        vault.requireKeyring();
        await identities.requireActive();
      }
      deps.approvals.decide(approvalId, approved, scope);
      return true;
    },
    grants_list: async () => deps.grants.list(),
    grants_revoke: async ({ origin }) => {
      await deps.grants.revoke(origin);
      return true;
    },
    grants_share: async ({ origin, conversationId }) => {
      if (!(await deps.grants.get(origin))) throw new ParleyError('Rpc.NotFound', 'That site has no access to share with.');
      await deps.sites.add(origin, conversationId);
      return true;
    },
    settings_get: async () => deps.settings.get(),
    settings_set: async (change) => {
      const before = await deps.settings.get();
      const after = await deps.settings.update(change);
      if (after.autoLockMinutes !== before.autoLockMinutes) await deps.autoLock.touch(true);
      if (after.nodeUrl !== before.nodeUrl) await deps.session.reset();
      return after;
    },
    inbox_request: async ({ method, params }) => deps.router.handleForInbox(deps.extensionOrigin, method, params),
  };
}
