import { useEffect, useState } from 'preact/hooks';
import { messageOf } from './popupApi';
import { useStores } from './stores/stores';
import './MuteToggle.css';

/** Mute or unmute the open conversation: a muted one still counts as unread but raises no notification. */
export function MuteToggle({ conversationId }: { conversationId: string }) {
  const { api } = useStores();
  const [muted, setMuted] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setMuted(null);
    api.ui('conversation_muted', { conversationId }).then(
      (r) => current && setMuted(r.muted),
      (e: unknown) => current && setError(messageOf(e)),
    );
    return () => {
      current = false;
    };
  }, [conversationId]);

  const toggle = async () => {
    if (muted === null) return;
    try {
      setMuted((await api.ui('conversation_setMuted', { conversationId, muted: !muted })).muted);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <>
      <button type="button" class="mute-toggle" disabled={muted === null} title={muted ? 'Notifications are off for this conversation' : 'Turn notifications off for this conversation'} onClick={() => void toggle()}>
        {muted ? 'Unmute' : 'Mute'}
      </button>
      {error && <span role="alert" class="mute-error">{error}</span>}
    </>
  );
}
