import { useState } from 'preact/hooks';
import { useStores } from './stores/stores';
import { SwitchIdentity } from './SwitchIdentity';
import './Identities.css';

/** The identities in the vault: which one is active, switching (asked first), and adding another (new or imported key). */
export function Identities() {
  const { session } = useStores();
  const status = session.status.value;
  const [label, setLabel] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  if (!status) return null;

  const create = async (event: Event) => {
    event.preventDefault();
    if (await session.createIdentity(label.trim() || undefined)) setLabel('');
  };
  const importKey = async () => {
    if (!privateKey.trim()) return;
    if (await session.importIdentity(privateKey.trim(), label.trim() || undefined)) {
      setLabel('');
      setPrivateKey('');
    }
  };

  return (
    <section class="identities" aria-label="Identities">
      <SwitchIdentity />
      <ul>
        {status.identities.map((i) => {
          const active = i.id === status.activeIdentityId;
          return (
            <li key={i.id} aria-current={active ? 'true' : undefined}>
              <span class="identity-label">
                {i.label}
                {active && <span class="identity-active"> (active)</span>}
              </span>
              <span class="identity-address">{i.address}</span>
              {!active && (
                <button type="button" aria-label={`Use ${i.label}`} onClick={() => session.proposeSwitch(i)}>
                  Use
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <form class="identity-add" onSubmit={create} aria-label="Add an identity">
        <label>
          Label
          <input type="text" value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={session.busy.value}>
          Create identity
        </button>
        <label>
          Private key
          <input type="password" autocomplete="off" spellcheck={false} value={privateKey} onInput={(e) => setPrivateKey(e.currentTarget.value)} />
        </label>
        <button type="button" disabled={session.busy.value} onClick={() => void importKey()}>
          Import identity
        </button>
      </form>
      {session.error.value && <p role="alert">{session.error.value}</p>}
    </section>
  );
}
