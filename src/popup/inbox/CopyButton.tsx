import { useState } from 'preact/hooks';
import './CopyButton.css';

/** Where the text goes; the page passes navigator.clipboard, tests a fake. */
export type WriteClipboard = (text: string) => Promise<void>;

const browserClipboard: WriteClipboard = (text) => navigator.clipboard.writeText(text);

/** Copies the whole address: a person checks it against what they were given, or pastes it elsewhere. */
export function CopyButton({ address, write = browserClipboard }: { address: string; write?: WriteClipboard }) {
  const [note, setNote] = useState('');
  return (
    <>
      <button
        type="button"
        class="copy-button"
        aria-label={`Copy address ${address}`}
        onClick={() => {
          write(address).then(
            () => setNote('Copied'),
            // Refused only without the focus or the permission: say what still works.
            () => setNote('Could not copy here: hover the address to read it whole'),
          );
        }}
      >
        Copy
      </button>
      {/* Only once there is something to say: other screens find their own status line. */}
      {note && (
        <span role="status" class="copy-note">
          {note}
        </span>
      )}
    </>
  );
}
