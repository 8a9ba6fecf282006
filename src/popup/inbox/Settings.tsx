import { useEffect, useState } from 'preact/hooks';
import { MAX_AUTO_LOCK_MINUTES, MIN_AUTO_LOCK_MINUTES } from '../../core/rpc';
import { useStores } from './stores/stores';
import './Settings.css';

/** The network node (gRPC-web URL), the auto-lock delay, and whether granted sites' calls count as use. */
export function Settings() {
  const { settings } = useStores();
  const current = settings.settings.value;
  const [nodeUrl, setNodeUrl] = useState('');
  const [minutes, setMinutes] = useState('');
  const [keepUnlocked, setKeepUnlocked] = useState(false);

  useEffect(() => {
    void settings.load();
  }, []);
  useEffect(() => {
    if (!current) return;
    setNodeUrl(current.nodeUrl);
    setMinutes(String(current.autoLockMinutes));
    setKeepUnlocked(current.grantedSitesKeepUnlocked);
  }, [current?.nodeUrl, current?.autoLockMinutes, current?.grantedSitesKeepUnlocked]);

  if (!current) return <p class="muted">Loading…</p>;

  const submit = async (event: Event) => {
    event.preventDefault();
    await settings.save({ nodeUrl: nodeUrl.trim(), autoLockMinutes: Number(minutes), grantedSitesKeepUnlocked: keepUnlocked });
  };

  return (
    <form class="settings" onSubmit={submit} aria-label="Settings">
      <label>
        Node URL
        <input type="url" spellcheck={false} value={nodeUrl} onInput={(e) => setNodeUrl(e.currentTarget.value)} />
      </label>
      <label>
        Auto-lock (minutes)
        <input type="number" min={MIN_AUTO_LOCK_MINUTES} max={MAX_AUTO_LOCK_MINUTES} step={1} value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
      </label>
      <label class="settings-check">
        <input type="checkbox" checked={keepUnlocked} aria-describedby="settings-keep-unlocked-hint" onChange={(e) => setKeepUnlocked(e.currentTarget.checked)} />
        Granted sites' calls keep Parley unlocked
      </label>
      <p id="settings-keep-unlocked-hint" class="settings-hint">
        Off: only your use of Parley itself delays auto-lock. On: a site you granted access delays it too whenever it calls Parley.
      </p>
      <button type="submit">Save settings</button>
      {settings.saved.value && <p role="status">Saved.</p>}
      {settings.error.value && <p role="alert">{settings.error.value}</p>}
    </form>
  );
}
