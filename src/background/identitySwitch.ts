import type { Access } from '../core/rpc';
import type { Grants } from './grants';
import type { Identities } from './identities';

export interface IdentitySwitchDeps {
  identities: Pick<Identities, 'active' | 'require' | 'select'>;
  grants: Pick<Grants, 'list' | 'moveAll' | 'announce'>;
  /** Closes the old identity's engine; the next request opens the new one's. */
  resetSession: () => Promise<void>;
}

export interface IdentitySwitchResult {
  /** Origins whose grant moved to the new identity. */
  moved: string[];
  /** Origins whose usable access changed (gained, lost or moved), each told by `accessChanged`. */
  changed: string[];
}

/**
 * Makes another identity the active one. A site's grant is for one inbox, and the router serves
 * only the active identity's grants, so switching changes what every connected site can use:
 * with `sitesFollow` the old identity's grants move to the new one; without, they stay on the
 * old one (those sites have no access until the user switches back). Either way each origin
 * whose usable access changed is announced, after the switch, so that a dApp re-reading its
 * inbox on `accessChanged` reads the new one — never a silent change (issue 10).
 */
export async function switchIdentity(deps: IdentitySwitchDeps, id: string, sitesFollow: boolean): Promise<IdentitySwitchResult> {
  const from = await deps.identities.active();
  const to = await deps.identities.require(id);
  if (from?.id === to.id) return { moved: [], changed: [] };

  const before = usable(await deps.grants.list(), from?.inboxId);
  const moved = sitesFollow && from ? await deps.grants.moveAll(from.inboxId, to) : [];
  await deps.identities.select(to.id);
  await deps.resetSession();
  const after = usable(await deps.grants.list(), to.inboxId);

  const changed: string[] = [];
  for (const origin of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(origin);
    const now = after.get(origin) ?? null;
    if (was?.inboxId === now?.inboxId && was?.scope === now?.scope) continue;
    changed.push(origin);
    deps.grants.announce(origin, now);
  }
  return { moved, changed };
}

/** The grants the router would honour with `inboxId` active, by origin. */
function usable(grants: Access[], inboxId: string | undefined): Map<string, Access> {
  return new Map(inboxId === undefined ? [] : grants.filter((g) => g.inboxId === inboxId).map((g) => [g.origin, g]));
}
