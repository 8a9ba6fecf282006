import { useEffect, useState } from 'preact/hooks';
import type { UiCall, VaultStatus } from '../../core/rpc';
import { MIN_PASSWORD_CHARS } from '../../core/rpc';
import { inboxErrorText } from '../inbox/errorText';
import './Onboarding.css';

export interface OnboardingProps {
  call: UiCall;
  /** Called once the vault is unlocked with an active identity. */
  onReady?: (status: VaultStatus) => void;
}

/** The worker's message, what to do and the code it logged the cause under. */
const messageOf = inboxErrorText;

/**
 * First use, unlock, and the first identity: what every page of the extension shows until
 * the vault is unlocked with an identity. Accessible names are the ones tests and screen
 * readers use (issue 5): Password, Confirm password, Create identity, Import identity, Unlock.
 */
export function Onboarding({ call, onReady }: OnboardingProps) {
  const [status, setStatus] = useState<VaultStatus | null>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const refresh = async () => {
    const next = await call('vault_status');
    setStatus(next);
    if (next.state === 'unlocked' && next.activeIdentityId !== null) onReady?.(next);
  };

  useEffect(() => {
    refresh().catch((e: unknown) => setError(messageOf(e)));
  }, []);

  const run = (work: () => Promise<unknown>) => async (event: Event) => {
    event.preventDefault();
    setError('');
    setBusy(true);
    try {
      await work();
      setPassword('');
      setConfirm('');
      setPrivateKey('');
      await refresh();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  /** A new vault needs the password twice; an unlocked one goes straight to the identity. */
  const ensureVault = async () => {
    if (status?.state === 'unlocked') return;
    if (password.length < MIN_PASSWORD_CHARS) throw new Error(`The password needs at least ${MIN_PASSWORD_CHARS} characters.`);
    if (password !== confirm) throw new Error('The passwords do not match.');
    await call('vault_create', { password });
  };

  const createIdentity = run(async () => {
    await ensureVault();
    await call('identity_create', {});
  });

  const importIdentity = run(async () => {
    if (!privateKey.trim()) throw new Error('Paste the private key to import.');
    await ensureVault();
    await call('identity_import', { privateKey: privateKey.trim() });
  });

  const unlock = run(async () => {
    await call('vault_unlock', { password });
  });

  if (!status) return <p class="onboarding-muted">Loading…</p>;

  if (status.state === 'locked') {
    return (
      <form class="onboarding" onSubmit={unlock}>
        <h1>Unlock Parley</h1>
        <label>
          Password
          <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Unlock
        </button>
        {error && <p role="alert">{error}</p>}
      </form>
    );
  }

  const active = status.identities.find((i) => i.id === status.activeIdentityId);
  if (status.state === 'unlocked' && active) {
    return (
      <section class="onboarding">
        <h1>Parley is ready</h1>
        <dl>
          <dt>Address</dt>
          <dd data-testid="address">{active.address}</dd>
          <dt>Inbox ID</dt>
          <dd data-testid="inbox-id">{active.inboxId}</dd>
        </dl>
      </section>
    );
  }

  const needsPassword = status.state === 'uninitialized';
  return (
    <form class="onboarding" onSubmit={createIdentity}>
      <h1>{needsPassword ? 'Set up Parley' : 'Add an identity'}</h1>
      {needsPassword && (
        <>
          <p class="onboarding-muted">The password encrypts your keys and messages on this device.</p>
          <label>
            Password
            <input type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </label>
          <label>
            Confirm password
            <input type="password" autocomplete="new-password" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
          </label>
        </>
      )}
      <button type="submit" disabled={busy}>
        Create identity
      </button>
      <details>
        <summary>Use an existing Ethereum key</summary>
        <label>
          Private key
          <input type="password" autocomplete="off" spellcheck={false} value={privateKey} onInput={(e) => setPrivateKey(e.currentTarget.value)} />
        </label>
        <button type="button" disabled={busy} onClick={importIdentity}>
          Import identity
        </button>
      </details>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
