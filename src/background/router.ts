import { ParleyError } from '../core/errors';
import type { Access, RpcMethod, RpcParams } from '../core/rpc';
import { validateRequest } from '../core/rpc';
import type { Approvals } from './approvals';
import type { Grants } from './grants';
import type { HandlerContext, HandlerTable } from './handlers';
import type { Identities, StoredIdentity } from './identities';
import type { Messaging } from './messaging';
import type { SiteConversations } from './siteConversations';

export interface RouterDeps {
  vault: { readonly isUnlocked: boolean };
  identities: Pick<Identities, 'active' | 'requireActive' | 'require'>;
  grants: Grants;
  approvals: Pick<Approvals, 'requestAccess'>;
  sites: SiteConversations;
  handlers: HandlerTable;
  messaging: () => Promise<Messaging>;
  /** A site with a grant for the active identity called a method (auto-lock may count it as use). */
  onGrantedCall?: (origin: string, method: RpcMethod) => void;
}

/** Methods a site may call without a grant. */
const NO_GRANT_NEEDED: ReadonlySet<RpcMethod> = new Set(['xmtp_requestAccess', 'xmtp_getAccess', 'xmtp_revokeAccess']);

export interface Router {
  /** A dApp request: `origin` comes from the port's sender, never from the message. */
  handle(origin: string, method: unknown, params: unknown, page?: AbortSignal): Promise<unknown>;
  /** The popup's own inbox: the whole inbox, no grant, no prompt. */
  handleForInbox(origin: string, method: unknown, params: unknown): Promise<unknown>;
}

/**
 * validate → lock → grant → approval → handler (DESIGN §2), each a small step. Validation is
 * synchronous, so sends to one conversation enter their queue in the order they arrived.
 */
export function createRouter(deps: RouterDeps): Router {
  const sendQueues = new Map<string, Promise<unknown>>();
  const accessQueues = new Map<string, Promise<unknown>>();

  const context = (origin: string, access: Access | null, identity: StoredIdentity | null): HandlerContext => ({
    origin,
    access,
    identity,
    messaging: deps.messaging,
    grants: deps.grants,
    sites: deps.sites,
  });

  const run = <M extends RpcMethod>(method: M, ctx: HandlerContext, params: RpcParams<M>): Promise<unknown> =>
    deps.handlers[method](ctx, params);

  const requestAccess = async (origin: string, params: RpcParams<'xmtp_requestAccess'>, page: AbortSignal | undefined): Promise<unknown> => {
    const requested = params.scope ?? 'site';
    // Locked or new: the approval window unlocks or onboards first, so no lock check here.
    let identity = deps.vault.isUnlocked ? await deps.identities.active() : undefined;
    let access = identity ? await deps.grants.forInbox(origin, identity.inboxId) : undefined;
    const widening = access?.scope === 'site' && requested === 'inbox';
    if (!access || widening) {
      const decision = await deps.approvals.requestAccess(origin, requested, page);
      // The identity the window showed, not whichever is active by the time this line runs.
      identity = decision.identityId === undefined ? await deps.identities.requireActive() : await deps.identities.require(decision.identityId);
      access = await deps.grants.grant(origin, decision.scope, identity);
    }
    return run('xmtp_requestAccess', context(origin, access, identity ?? null), params);
  };

  const afterValidation = async (origin: string, method: RpcMethod, params: unknown, page?: AbortSignal): Promise<unknown> => {
    // One at a time per origin: a second request sees the grant the first one made instead of
    // racing it to a second approval window or a second grant.
    if (method === 'xmtp_requestAccess') return inOrder(accessQueues, origin, () => requestAccess(origin, params as RpcParams<'xmtp_requestAccess'>, page));
    if (!deps.vault.isUnlocked) {
      // Locked grants cannot even be read; "no access" is the honest answer and never prompts.
      if (method === 'xmtp_getAccess') return null;
      throw new ParleyError('Vault.Locked', 'Parley is locked; unlock it from the extension.');
    }
    const identity = (await deps.identities.active()) ?? null;
    const access = identity ? ((await deps.grants.forInbox(origin, identity.inboxId)) ?? null) : null;
    if (!access && !NO_GRANT_NEEDED.has(method)) {
      throw new ParleyError('Rpc.Unauthorized', 'This site has no access; call xmtp_requestAccess.');
    }
    if (access) deps.onGrantedCall?.(origin, method);
    return run(method, context(origin, access, identity), params as never);
  };

  const inOrder = (queues: Map<string, Promise<unknown>>, key: string, work: () => Promise<unknown>): Promise<unknown> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  };
  const inSendOrder = (conversationId: string, work: () => Promise<unknown>): Promise<unknown> => inOrder(sendQueues, conversationId, work);

  return {
    handle(origin, method, params, page) {
      let request;
      try {
        request = validateRequest(method, params);
      } catch (e) {
        return Promise.reject(e);
      }
      const { method: m, params: p } = request;
      if (m === 'xmtp_sendMessage') return inSendOrder(p.conversationId, () => afterValidation(origin, m, p));
      return afterValidation(origin, m, p, page);
    },

    async handleForInbox(origin, method, params) {
      const { method: m, params: p } = validateRequest(method, params);
      if (m === 'xmtp_requestAccess' || m === 'xmtp_getAccess' || m === 'xmtp_revokeAccess') {
        throw new ParleyError('Rpc.UnsupportedMethod', 'The popup has the whole inbox; access methods are for sites.');
      }
      if (!deps.vault.isUnlocked) throw new ParleyError('Vault.Locked', 'Parley is locked.');
      const identity = await deps.identities.requireActive();
      const access: Access = { origin, scope: 'inbox', inboxId: identity.inboxId, address: identity.address, grantedAt: 0 };
      const work = () => run(m, context(origin, access, identity), p as never);
      return m === 'xmtp_sendMessage' ? inSendOrder((p as RpcParams<'xmtp_sendMessage'>).conversationId, work) : work();
    },
  };
}
