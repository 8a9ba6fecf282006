import { useEffect, useRef, useState } from 'preact/hooks';
import { IdentityBadge } from '../shared/IdentityBadge';
import { useStores } from './stores/stores';
import './SwitchIdentity.css';

/**
 * The question before a switch of identity (issue 10): which identity, and whether the sites
 * connected to the current one follow it. Following moves their grants to the new identity (the
 * open dApps are told at once and re-read the inbox); staying leaves them on the current one, so
 * they have no access until the user switches back. With no connected site there is nothing to
 * ask but whether to switch.
 */
export function SwitchIdentity() {
  const { session, sites } = useStores();
  const proposed = session.proposedSwitch.value;
  const first = useRef<HTMLButtonElement>(null);
  // The choice waits for the list of sites: a quick click must not skip the question.
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    setLoaded(false);
    if (!proposed) return;
    void sites.refresh().then(() => setLoaded(true));
  }, [proposed?.to.id]);
  useEffect(() => {
    if (loaded) first.current?.focus();
  }, [loaded]);
  const from = session.active.value;
  if (!proposed || !from) return null;
  const { to } = proposed;
  const connected = sites.grants.value.filter((g) => g.inboxId === from.inboxId);
  const title = proposed.added ? `Switch to ${to.label} now?` : `Switch to ${to.label}?`;
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') session.dismissSwitch();
  };

  return (
    <section class="switch-identity" role="dialog" aria-labelledby="switch-title" onKeyDown={onKey}>
      <h2 id="switch-title">{title}</h2>
      <IdentityBadge identity={to} title={`Identity to switch to: ${to.label}`} />
      {!loaded ? (
        <p class="muted">Checking the connected sites…</p>
      ) : connected.length === 0 ? (
        <p class="muted">No site is connected to {from.label}.</p>
      ) : (
        <>
          <p>
            {connected.length === 1 ? '1 site is' : `${connected.length} sites are`} connected to {from.label}:
          </p>
          <ul class="switch-sites" aria-label={`Sites connected to ${from.label}`}>
            {connected.map((g) => (
              <li key={g.origin}>{g.origin}</li>
            ))}
          </ul>
        </>
      )}
      <div class="switch-actions">
        {!loaded ? null : connected.length === 0 ? (
          <button type="button" class="p-primary" ref={first} disabled={session.busy.value} onClick={() => void session.select(to.id)}>
            Switch
          </button>
        ) : (
          <>
            <button type="button" class="p-primary" ref={first} disabled={session.busy.value} onClick={() => void session.select(to.id, true)}>
              Switch, sites follow
            </button>
            <button type="button" disabled={session.busy.value} onClick={() => void session.select(to.id, false)}>
              Switch, sites stay with {from.label}
            </button>
          </>
        )}
        <button type="button" onClick={() => session.dismissSwitch()}>
          Not now
        </button>
      </div>
    </section>
  );
}
