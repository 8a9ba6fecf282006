import { Avatar } from './Avatar';
import { CopyButton } from './CopyButton';
import { useStores } from './stores/stores';
import { shortId } from './format';
import './Header.css';

/** Who is signed in: avatar, address (with its Copy button) and inbox id of the active identity, and the Lock button. */
export function Header() {
  const { session } = useStores();
  const active = session.active.value;
  if (!active) return null;
  return (
    <header class="popup-header">
      {/* The page's one h1 (axe: page-has-heading-one); the header shows who, not a title. */}
      <h1 class="visually-hidden">Parley inbox</h1>
      <Avatar seed={active.address} size={28} />
      <dl class="popup-identity">
        <div>
          <dt>Address</dt>
          <dd class="address-with-copy">
            <span class="address-full" title={active.address} data-testid="address">
              {active.address}
            </span>
            <CopyButton address={active.address} />
          </dd>
        </div>
        <div>
          <dt>Inbox ID</dt>
          <dd title={active.inboxId} data-testid="inbox-id">
            {shortId(active.inboxId)}
          </dd>
        </div>
      </dl>
      <button type="button" onClick={() => void session.lock()}>
        Lock
      </button>
    </header>
  );
}
