import { useEffect } from 'preact/hooks';
import { useStores } from './stores/stores';
import './Sites.css';

/** Every site with access, its scope, and Revoke (the site learns at once through accessChanged). */
export function Sites() {
  const { sites } = useStores();
  useEffect(() => {
    void sites.refresh();
  }, []);
  const grants = sites.grants.value;
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
