import { useState } from 'preact/hooks';
import { useStores } from './stores/stores';
import './LockScreen.css';

/** The vault is locked: the password opens it. */
export function LockScreen() {
  const { session } = useStores();
  const [password, setPassword] = useState('');

  const submit = async (event: Event) => {
    event.preventDefault();
    if (await session.unlock(password)) setPassword('');
  };

  return (
    <form class="lock-screen" onSubmit={submit}>
      <h1>Parley is locked</h1>
      <label>
        Password
        <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={session.busy.value || password === ''}>
        Unlock
      </button>
      {session.error.value && <p role="alert">{session.error.value}</p>}
    </form>
  );
}
