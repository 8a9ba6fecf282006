import { useEffect, useState } from 'preact/hooks';
import { isParleyError } from '../../core/errors';
import type { AccessScope, ApprovalView, UiCall } from '../../core/rpc';
import { Onboarding } from '../onboarding/Onboarding';
import { inboxErrorText } from '../inbox/errorText';
import { IdentityBadge } from '../shared/IdentityBadge';
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

/** What a site gets under each scope, one line each, in the approval window. */
export const SCOPE_LINES: Record<AccessScope, string> = {
  site: 'This site only: conversations started here, ones you share with it, and ones others started here once you accept them; never blocked ones.',
  inbox: 'Whole inbox: every conversation and message of this identity, except blocked ones.',
};

/**
 * A site asks for the inbox. The page shows the origin exactly as the browser reported it for
 * the requesting port (the worker fills the request; nothing here comes from the site), the
 * identity Approve grants it to, the scope to grant, and Approve / Reject. Until the vault is
 * unlocked with an identity it shows onboarding or unlock first. If the identity changes while
 * the window is open, the window says so and Approve waits for another look (issue 10).
 */
export function Approval({ call, approvalId, close }: ApprovalProps) {
  const [ready, setReady] = useState(false);
  const [request, setRequest] = useState<ApprovalView | null>(null);
  const [scope, setScope] = useState<AccessScope>('site');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  // A page can raise this window under the user's cursor; Approve takes clicks only once the
  // window has been in front for APPROVE_DELAY_MS, after it opens, after each refocus and
  // after the identity shown changed.
  const [armed, setArmed] = useState(false);
  const [armRound, setArmRound] = useState(0);
  useEffect(() => {
    setArmed(false);
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
  }, [armRound]);

  /** A fresh view from the worker; another identity than the one shown is announced and disarms Approve. */
  const load = async (): Promise<void> => {
    const next = await call('approval_get', { approvalId });
    setRequest((shown) => {
      if (shown?.identity && next.identity && shown.identity.id !== next.identity.id) {
        setNotice(`Parley switched to ${next.identity.label} while this window was open. Check the identity below before you approve.`);
        setArmRound((n) => n + 1);
      }
      // The narrowest scope is preselected whatever the site asked for: widening is the user's act.
      return next;
    });
  };

  // An idle MV3 worker stops after 30 s and would forget the pending request; every runtime
  // message restarts that clock, so the open window asks again while the user decides (and
  // learns of a switch of identity meanwhile).
  useEffect(() => {
    const timer = setInterval(() => void load().catch(() => undefined), KEEP_ALIVE_MS);
    return () => clearInterval(timer);
  }, [approvalId]);

  useEffect(() => {
    if (ready) load().catch((e: unknown) => setError(inboxErrorText(e)));
  }, [approvalId, ready]);

  const decide = (approved: boolean) => async () => {
    setError('');
    try {
      const identityId = request?.identity?.id;
      await call('approval_decide', identityId === undefined ? { approvalId, approved, scope } : { approvalId, approved, scope, identityId });
      close();
    } catch (e) {
      if (isParleyError(e, 'Vault.IdentityChanged')) {
        setNotice(e.shortMessage);
        setArmRound((n) => n + 1);
        await load().catch(() => undefined);
        return;
      }
      setError(inboxErrorText(e));
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
        wants to use your messages as:
      </p>
      {request.identity ? <IdentityBadge identity={request.identity} title="Identity this site will use" /> : <p role="alert">No identity yet.</p>}
      {notice && (
        <p class="approval-notice" role="alert">
          {notice}
        </p>
      )}
      <fieldset>
        <legend>What this site gets</legend>
        {(['site', 'inbox'] as const).map((s) => (
          <label key={s}>
            <input type="radio" name="scope" value={s} checked={scope === s} onChange={() => setScope(s)} />
            {SCOPE_LINES[s]}
          </label>
        ))}
      </fieldset>
      <div class="approval-actions">
        <button type="button" class="p-primary" onClick={decide(true)} disabled={!armed || !request.identity}>
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
