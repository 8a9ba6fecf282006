import { useEffect } from 'preact/hooks';
import { useStores } from './stores/stores';
import './Sites.css';

/** Every site with access, its scope, the identity it is connected to, and Revoke (the site learns at once through accessChanged). */
export function Sites() {
  const { sites, session } = useStores();
  useEffect(() => {
    void sites.refresh();
  }, []);
  const grants = sites.grants.value;
  const identities = session.status.value?.identities ?? [];
  const active = session.active.value;
  /** Which identity a grant is for: its label, or the address when the identity is gone. */
  const connectedTo = (inboxId: string, address: string): string => identities.find((i) => i.inboxId === inboxId)?.label ?? address;
  return (
    <section class="sites" aria-label="Sites with access">
      {grants.length === 0 ? (
        <p class="muted">No site has access.</p>
      ) : (
        <ul>
          {grants.map((g) => (
            <li key={g.origin}>
              <span class="site-origin">{g.origin}</span>
              <span class="site-scope">{g.scope === 'inbox' ? 'Whole inbox' : 'This site only'}</span>
              <span class="site-identity" data-testid="site-identity">
                Connected to {connectedTo(g.inboxId, g.address)}
                {active && g.inboxId !== active.inboxId && ' (not the active identity: no access until you switch back)'}
              </span>
              <button type="button" aria-label={`Revoke ${g.origin}`} onClick={() => void sites.revoke(g.origin)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {sites.error.value && <p role="alert">{sites.error.value}</p>}
    </section>
  );
}
