import { useEffect, useState } from 'preact/hooks';
import { MAX_AUTO_LOCK_MINUTES, MIN_AUTO_LOCK_MINUTES } from '../../core/rpc';
import { useStores } from './stores/stores';
import './Settings.css';

/** The network node (gRPC-web URL) and the auto-lock delay. */
export function Settings() {
  const { settings } = useStores();
  const current = settings.settings.value;
  const [nodeUrl, setNodeUrl] = useState('');
  const [minutes, setMinutes] = useState('');

  useEffect(() => {
    void settings.load();
  }, []);
  useEffect(() => {
    if (!current) return;
    setNodeUrl(current.nodeUrl);
    setMinutes(String(current.autoLockMinutes));
  }, [current?.nodeUrl, current?.autoLockMinutes]);

  if (!current) return <p class="muted">Loading…</p>;

  const submit = async (event: Event) => {
    event.preventDefault();
    await settings.save({ nodeUrl: nodeUrl.trim(), autoLockMinutes: Number(minutes) });
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
      <button type="submit">Save settings</button>
      {settings.saved.value && <p role="status">Saved.</p>}
      {settings.error.value && <p role="alert">{settings.error.value}</p>}
    </form>
  );
}
