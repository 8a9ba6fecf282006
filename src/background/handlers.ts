import { ParleyError } from '../core/errors';
import type { Access, Conversation, GroupPermissions, RpcMethod, RpcParams, RpcResult } from '../core/rpc';
import type { Grants } from './grants';
import type { StoredIdentity } from './identities';
import type { AdminListChange, ConversationScope, ConversationView, Messaging } from './messaging';
import type { SiteConversations } from './siteConversations';

/** What a handler knows of the request: the router has validated, checked the lock and the grant. */
export interface HandlerContext {
  /** The origin the browser reported for the page's port (or the extension's own, for the popup). */
  origin: string;
  /** The grant the request runs under; null only for methods that need none. */
  access: Access | null;
  identity: StoredIdentity | null;
  messaging: () => Promise<Messaging>;
  grants: Grants;
  sites: SiteConversations;
}

export type Handler<M extends RpcMethod> = (ctx: HandlerContext, params: RpcParams<M>) => Promise<RpcResult<M>>;

/** One handler per method of the schema: a missing one is a compile error. */
export type HandlerTable = { [M in RpcMethod]: Handler<M> };

function requireAccess(ctx: HandlerContext): { access: Access; identity: StoredIdentity } {
  if (!ctx.access || !ctx.identity) throw new ParleyError('Rpc.Unauthorized', 'This site has no access; call xmtp_requestAccess.');
  return { access: ctx.access, identity: ctx.identity };
}

/** The dApp's view of a conversation: the scope facts stay in the worker. */
export function toConversation(view: ConversationView): Conversation {
  const { appDataOrigin: _appDataOrigin, ...conversation } = view;
  return conversation;
}

/**
 * A conversation the site may use. One it may not see is "not found", exactly like one that
 * does not exist: a site learns nothing of the rest of the inbox. Runs before every send, so it
 * reads the scope only, not the members.
 */
async function visibleConversation(ctx: HandlerContext, conversationId: string): Promise<ConversationScope> {
  const { access } = requireAccess(ctx);
  const messaging = await ctx.messaging();
  const scope = await messaging.getConversationScope(conversationId);
  if (!scope || !(await ctx.sites.isVisible(access, scope))) {
    throw new ParleyError('Rpc.NotFound', 'No such conversation.', { details: conversationId });
  }
  return scope;
}

async function createdThroughSite(ctx: HandlerContext, view: ConversationView): Promise<Conversation> {
  await ctx.sites.add(ctx.origin, view.id);
  return toConversation(view);
}

export const handlers: HandlerTable = {
  xmtp_requestAccess: async (ctx) => requireAccess(ctx).access,
  xmtp_getAccess: async (ctx) => ctx.access,
  xmtp_revokeAccess: async (ctx) => {
    // Idempotent, like EIP-2255's wallet_revokePermissions: no grant, nothing to do.
    await ctx.grants.revoke(ctx.origin);
    return true;
  },
  xmtp_getInbox: async (ctx) => {
    const { identity } = requireAccess(ctx);
    return { inboxId: identity.inboxId, address: identity.address, installationId: identity.installationId };
  },
  xmtp_canMessage: async (ctx, params) => {
    requireAccess(ctx);
    return (await ctx.messaging()).canMessage(params.identifiers);
  },
  xmtp_listConversations: async (ctx, params) => {
    const { access } = requireAccess(ctx);
    const messaging = await ctx.messaging();
    const known = access.scope === 'site' ? await ctx.sites.idsFor(access.origin) : undefined;
    const visible = async <C extends ConversationScope>(list: C[]): Promise<C[]> => {
      const out: C[] = [];
      for (const conversation of list) if (await ctx.sites.isVisible(access, conversation, known)) out.push(conversation);
      return out;
    };
    if (access.scope === 'inbox') return (await visible(await messaging.listConversations(params))).map(toConversation);
    // A site sees few of the inbox's conversations: only those get their members read.
    const scopes = await visible(await messaging.listConversationScopes(params));
    const views = await Promise.all(scopes.map((scope) => messaging.getConversation(scope.id)));
    return views.filter((view): view is ConversationView => view !== undefined).map(toConversation);
  },
  xmtp_createDm: async (ctx, params) => {
    requireAccess(ctx);
    return createdThroughSite(ctx, await (await ctx.messaging()).createDm(params.identifier, ctx.origin));
  },
  xmtp_createGroup: async (ctx, params) => {
    requireAccess(ctx);
    const { identifiers, ...metadata } = params;
    return createdThroughSite(ctx, await (await ctx.messaging()).createGroup(identifiers, metadata, ctx.origin));
  },
  xmtp_getMessages: async (ctx, params) => {
    await visibleConversation(ctx, params.conversationId);
    const page: { limit?: number; beforeNs?: bigint } = {};
    if (params.limit !== undefined) page.limit = params.limit;
    if (params.beforeNs !== undefined) page.beforeNs = BigInt(params.beforeNs);
    return (await ctx.messaging()).getMessages(params.conversationId, page);
  },
  xmtp_sendMessage: async (ctx, params) => {
    const scope = await visibleConversation(ctx, params.conversationId);
    const messaging = await ctx.messaging();
    const sent = await messaging.sendMessage(params.conversationId, params.content);
    // Replying allows the conversation (the engine records it, as libxmtp does); saying so once
    // more, only on the first reply, reports the change, so the sites that see it now are told.
    if (scope.consentState === 'unknown') await messaging.setConsent(params.conversationId, 'allowed');
    return sent;
  },
  xmtp_updateGroup: async (ctx, params) => {
    const view = await visibleConversation(ctx, params.conversationId);
    if (view.kind !== 'group') throw new ParleyError('Rpc.InvalidParams', 'Only groups have a name, description and image.');
    const { conversationId, ...metadata } = params;
    return toConversation(await (await ctx.messaging()).updateGroup(conversationId, metadata));
  },
  xmtp_addMembers: async (ctx, params) => {
    const view = await visibleConversation(ctx, params.conversationId);
    if (view.kind !== 'group') throw new ParleyError('Rpc.InvalidParams', 'Members can be added to groups only.');
    return toConversation(await (await ctx.messaging()).addMembers(params.conversationId, params.identifiers));
  },
  xmtp_removeMembers: async (ctx, params) => {
    const view = await visibleConversation(ctx, params.conversationId);
    if (view.kind !== 'group') throw new ParleyError('Rpc.InvalidParams', 'Members can be removed from groups only.');
    return toConversation(await (await ctx.messaging()).removeMembers(params.conversationId, params.identifiers));
  },
  xmtp_setConsent: async (ctx, params) => {
    await visibleConversation(ctx, params.conversationId);
    await (await ctx.messaging()).setConsent(params.conversationId, params.state);
    return true;
  },
  xmtp_updateKeys: async (ctx, params) => {
    await visibleConversation(ctx, params.conversationId);
    await (await ctx.messaging()).updateKeys(params.conversationId);
    return true;
  },
  xmtp_hmacKeys: async (ctx, params) => {
    const { access } = requireAccess(ctx);
    const messaging = await ctx.messaging();
    if (params.conversationId !== undefined) {
      await visibleConversation(ctx, params.conversationId);
      return messaging.hmacKeys([params.conversationId]);
    }
    // The site's conversations only, so a site holds no key that tells the user's messages apart
    // elsewhere; denied ones are invisible to every site, as libxmtp leaves them out.
    const known = access.scope === 'site' ? await ctx.sites.idsFor(access.origin) : undefined;
    const ids: string[] = [];
    for (const scope of await messaging.listConversationScopes({})) if (await ctx.sites.isVisible(access, scope, known)) ids.push(scope.id);
    return messaging.hmacKeys(ids);
  },
  xmtp_groupPermissions: async (ctx, params) => {
    await visibleGroup(ctx, params.conversationId);
    return (await ctx.messaging()).groupPermissions(params.conversationId);
  },
  xmtp_addAdmin: (ctx, params) => updateAdminList(ctx, params, 'addAdmin'),
  xmtp_removeAdmin: (ctx, params) => updateAdminList(ctx, params, 'removeAdmin'),
  xmtp_addSuperAdmin: (ctx, params) => updateAdminList(ctx, params, 'addSuperAdmin'),
  xmtp_removeSuperAdmin: (ctx, params) => updateAdminList(ctx, params, 'removeSuperAdmin'),
  xmtp_updatePermission: async (ctx, params) => {
    await visibleGroup(ctx, params.conversationId);
    const { conversationId, ...change } = params;
    return (await ctx.messaging()).updatePermission(conversationId, change);
  },
};

/** Roles and policies exist in groups only (libxmtp refuses them in a DM: DmGroupMetadataForbidden). */
async function visibleGroup(ctx: HandlerContext, conversationId: string): Promise<void> {
  const view = await visibleConversation(ctx, conversationId);
  if (view.kind !== 'group') throw new ParleyError('Rpc.InvalidParams', 'Only groups have admins and permissions.');
}

async function updateAdminList(ctx: HandlerContext, params: { conversationId: string; inboxId: string }, change: AdminListChange): Promise<GroupPermissions> {
  await visibleGroup(ctx, params.conversationId);
  return (await ctx.messaging()).updateAdminList(params.conversationId, change, params.inboxId);
}
