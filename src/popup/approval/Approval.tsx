import { useEffect, useState } from 'preact/hooks';
import type { AccessScope, ApprovalRequest, UiCall } from '../../core/rpc';
import { Onboarding } from '../onboarding/Onboarding';
import './Approval.css';

const KEEP_ALIVE_MS = 10_000;
/** How long Approve stays disabled after the window opens or regains focus (a focus guard). */
export const APPROVE_DELAY_MS = 1_000;

export interface ApprovalProps {
  call: UiCall;
  approvalId: string;
  /** Closes the window once answered (the worker closes it too; this is for speed). */
  close: () => void;
}

/**
 * A site asks for the inbox. The page shows the origin exactly as the browser reported it for
 * the requesting port (the worker fills the request; nothing here comes from the site), the
 * scope to grant, and Approve / Reject. Until the vault is unlocked with an identity it shows
 * onboarding or unlock first.
 */
export function Approval({ call, approvalId, close }: ApprovalProps) {
  const [ready, setReady] = useState(false);
  const [request, setRequest] = useState<ApprovalRequest | null>(null);
  const [scope, setScope] = useState<AccessScope>('site');
  const [error, setError] = useState('');

  // An idle MV3 worker stops after 30 s and would forget the pending request; every runtime
  // message restarts that clock, so the open window asks again while the user decides.
  useEffect(() => {
    const timer = setInterval(() => void call('approval_get', { approvalId }).catch(() => undefined), KEEP_ALIVE_MS);
    return () => clearInterval(timer);
  }, [approvalId]);

  useEffect(() => {
    call('approval_get', { approvalId }).then(
      (r) => {
        // The narrowest scope is preselected whatever the site asked for: widening is the user's act.
        setRequest(r);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [approvalId]);

  // A page can raise this window under the user's cursor; Approve takes clicks only once the
  // window has been in front for APPROVE_DELAY_MS, after it opens and after each refocus.
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    let timer = setTimeout(() => setArmed(true), APPROVE_DELAY_MS);
    const onFocus = (): void => {
      setArmed(false);
      clearTimeout(timer);
      timer = setTimeout(() => setArmed(true), APPROVE_DELAY_MS);
    };
    window.addEventListener('focus', onFocus);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, []);

  const decide = (approved: boolean) => async () => {
    setError('');
    try {
      await call('approval_decide', { approvalId, approved, scope });
      close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!ready) return <Onboarding call={call} onReady={() => setReady(true)} />;
  if (!request) return <p role="alert">{error || 'Loading…'}</p>;

  return (
    <section class="onboarding approval" aria-labelledby="approval-title">
      <h1 id="approval-title">Connect to Parley?</h1>
      <p>
        <span class="approval-origin" data-testid="origin">
          {request.origin}
        </span>{' '}
        wants to use your messages.
      </p>
      <fieldset>
        <legend>What this site may see</legend>
        <label>
          <input type="radio" name="scope" value="site" checked={scope === 'site'} onChange={() => setScope('site')} />
          Only conversations started on this site, ones you share with it from Parley, and ones others started on it once you accept or reply to them; never blocked ones.
        </label>
        <label>
          <input type="radio" name="scope" value="inbox" checked={scope === 'inbox'} onChange={() => setScope('inbox')} />
          My whole inbox
        </label>
      </fieldset>
      <div class="approval-actions">
        <button type="button" class="p-primary" onClick={decide(true)} disabled={!armed}>
          Approve
        </button>
        <button type="button" onClick={decide(false)}>
          Reject
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
