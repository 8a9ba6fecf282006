import { useEffect, useState } from 'preact/hooks';
import { useStores } from './stores/stores';
import './LockScreen.css';

/** The vault is locked: the password opens it. After too many wrong ones, a countdown until the next try. */
export function LockScreen() {
  const { session } = useStores();
  const [password, setPassword] = useState('');
  const waitSeconds = useSecondsUntil(session.unlockAllowedAt.value);

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
      <button type="submit" disabled={session.busy.value || password === '' || waitSeconds > 0}>
        Unlock
      </button>
      {waitSeconds > 0 && (
        <p role="alert" data-testid="unlock-wait">
          Too many wrong passwords. Try again in {waitSeconds} s.
        </p>
      )}
      {waitSeconds === 0 && session.error.value && <p role="alert">{session.error.value}</p>}
    </form>
  );
}

/** Whole seconds left until `at` (ms since the epoch), ticking down once a second; 0 once it has passed. */
function useSecondsUntil(at: number): number {
  const left = (): number => Math.max(0, Math.ceil((at - Date.now()) / 1000));
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (left() === 0) return;
    const timer = setInterval(() => {
      const next = left();
      setSeconds(next);
      if (next === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [at]);
  return seconds;
}
