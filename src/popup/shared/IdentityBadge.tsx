import { useState } from 'preact/hooks';
import './IdentityBadge.css';

export interface BadgeIdentity {
  label: string;
  address: string;
  /** An image URL the user set for the identity; Parley keeps none yet, so it is drawn only when given. */
  avatarUrl?: string;
}

/**
 * Which identity: its label and full address (with a copy button), and its avatar when it has
 * one. Shown where the choice of identity matters (approval window, switching), so the user can
 * tell two identities apart by more than a label anyone could pick.
 */
export function IdentityBadge({ identity, title }: { identity: BadgeIdentity; title?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(identity.address);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="identity-badge" role="group" aria-label={title ?? `Identity ${identity.label}`}>
      {identity.avatarUrl && <img class="identity-badge-avatar" src={identity.avatarUrl} alt="" width={32} height={32} />}
      <span class="identity-badge-text">
        <span class="identity-badge-label" data-testid="badge-label">
          {identity.label}
        </span>
        <span class="identity-badge-address" data-testid="badge-address">
          {identity.address}
        </span>
      </span>
      <button type="button" class="identity-badge-copy" aria-label={`Copy address of ${identity.label}`} onClick={() => void copy()}>
        Copy
      </button>
      <span class="visually-hidden" role="status">
        {copied ? 'Address copied.' : ''}
      </span>
    </div>
  );
}
