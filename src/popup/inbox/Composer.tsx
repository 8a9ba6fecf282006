import { useState } from 'preact/hooks';
import { useStores } from './stores/stores';
import './Composer.css';

/** Types and sends a text message to the open conversation. */
export function Composer() {
  const { inbox } = useStores();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    setSending(true);
    const sent = await inbox.send(message);
    setSending(false);
    if (sent) setText('');
  };

  return (
    <form class="composer" onSubmit={submit}>
      <label class="visually-hidden" for="composer-message">
        Message
      </label>
      <input id="composer-message" type="text" autocomplete="off" placeholder="Write a message" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" disabled={sending || text.trim() === ''}>
        Send
      </button>
    </form>
  );
}
