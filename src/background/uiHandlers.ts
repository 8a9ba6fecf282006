import type { Hex } from 'viem';
import { ParleyError } from '../core/errors';
import type { IdentitySummary, UiMethod, UiParams, UiResult, VaultStatus } from '../core/rpc';
import type { Approvals } from './approvals';
import type { AutoLock } from './autoLock';
import type { Grants } from './grants';
import type { Identities } from './identities';
import { summaryOf } from './identities';
import { switchIdentity } from './identitySwitch';
import type { MessagingSession } from './messagingSession';
import type { Router } from './router';
import type { SettingsStore } from './settings';
import type { SiteConversations } from './siteConversations';
import { addressesOf, inboxSummaries } from './uiInboxSummaries';
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

  const afterAdding = async (added: IdentitySummary): Promise<IdentitySummary> => {
    if ((await identities.activeId()) === added.id) await deps.session.reset();
    return added;
  };

  const afterUnlock = async (): Promise<VaultStatus> => {
    await deps.autoLock.touch(true);
    await deps.session.reset();
    return status();
  };

  /** The popup's own reads of the engine; locked, the popup shows its lock screen on this code. */
  const unlockedMessaging = async () => {
    if (!vault.isUnlocked) throw new ParleyError('Vault.Locked', 'Parley is locked.');
    return deps.session.get();
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
    // A new identity is not switched to (the vault's first aside): the popup asks, and whether sites follow.
    identity_create: async ({ label }) => afterAdding(await identities.create(label)),
    identity_import: async ({ privateKey, label }) => afterAdding(await identities.import(privateKey as Hex, label)),
    identity_select: async ({ id, sitesFollow }) => {
      await switchIdentity({ identities, grants: deps.grants, resetSession: () => deps.session.reset() }, id, sitesFollow ?? false);
      return status();
    },
    approval_get: async ({ approvalId }) => {
      const request = deps.approvals.get(approvalId);
      const active = vault.isUnlocked ? await identities.active() : undefined;
      return { ...request, identity: active ? summaryOf(active) : null };
    },
    approval_decide: async ({ approvalId, approved, scope, identityId }) => {
      let grantTo: string | undefined;
      if (approved) {
        // Approving needs an identity to grant; the page onboards or unlocks first.
        vault.requireKeyring();
        const active = await identities.requireActive();
        if (identityId !== undefined && identityId !== active.id) {
          throw new ParleyError('Vault.IdentityChanged', `Parley switched to ${active.label} while this window was open; check the identity and approve again.`, {
            details: `shown ${identityId}, active ${active.id}`,
          });
        }
        grantTo = active.id;
      }
      deps.approvals.decide(approvalId, approved, scope, grantTo);
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
    conversation_setMuted: async ({ conversationId, muted }) => {
      await deps.settings.setMuted((await identities.requireActive()).id, conversationId, muted);
      return { muted };
    },
    conversation_muted: async ({ conversationId }) => ({ muted: await deps.settings.isMuted((await identities.requireActive()).id, conversationId) }),
    inbox_request: async ({ method, params }) => deps.router.handleForInbox(deps.extensionOrigin, method, params),
    inbox_summaries: async () => inboxSummaries(await unlockedMessaging()),
    inbox_addresses: async ({ inboxIds }) => addressesOf(await unlockedMessaging(), inboxIds),
  };
}
