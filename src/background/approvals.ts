import { ParleyError } from '../core/errors';
import type { AccessScope, ApprovalRequest } from '../core/rpc';
import { randomHex } from './randomHex';

/** Opens and closes the approval window; the worker passes chrome.windows, tests a fake. */
export interface ApprovalWindows {
  /** Opens the page for an approval; resolves to the window id. */
  open(approvalId: string): Promise<number | undefined>;
  close(windowId: number): Promise<void>;
}

export interface AccessDecision {
  scope: AccessScope;
  /** The identity the user saw in the window and approved for; the grant goes to it. */
  identityId?: string;
}

/** After a reject, the origin's requests are refused without a window for this long, doubling per reject. */
export const REJECT_COOLDOWN_MS = 30_000;
export const MAX_REJECT_COOLDOWN_MS = 60 * 60_000;

interface Pending {
  request: ApprovalRequest;
  windowId?: number;
  /** The pages waiting for this answer; when the last one goes, so does the request. */
  waiters: Set<AbortSignal>;
  promise: Promise<AccessDecision>;
  resolve: (d: AccessDecision) => void;
  reject: (e: Error) => void;
}

interface Cooldown {
  rejects: number;
  until: number;
}

/**
 * Approvals the user gives in a window of the extension's own (never in the page: a page can
 * draw anything). One pending request per origin: a page that asks again while the window is
 * open waits for the same answer, so a page cannot open a second window. A reject (or the user
 * closing the window) refuses that origin at once for a while, growing on each reject, so a
 * page cannot reopen the window in a loop. When every page that asked has gone (tab closed or
 * navigated away), the request ends and its window closes.
 */
export class Approvals {
  /** By approval id; at most one per origin. */
  private readonly pending = new Map<string, Pending>();
  private readonly cooldowns = new Map<string, Cooldown>();

  constructor(
    private readonly windows: ApprovalWindows,
    private readonly now: () => number = Date.now,
  ) {}

  /** `page` aborts when the asking page's port disconnects. */
  requestAccess(origin: string, requestedScope: AccessScope, page?: AbortSignal): Promise<AccessDecision> {
    if (page?.aborted) return Promise.reject(pageGone());
    const existing = [...this.pending.values()].find((p) => p.request.origin === origin);
    if (existing) {
      this.addWaiter(existing, page);
      return existing.promise;
    }
    const cooldown = this.cooldowns.get(origin);
    const now = this.now();
    if (cooldown && now < cooldown.until) {
      const seconds = Math.ceil((cooldown.until - now) / 1000);
      return Promise.reject(new ParleyError('Rpc.UserRejected', `The user rejected this site's request recently; try again in ${seconds} s.`));
    }
    const id = randomHex(16);
    let resolve!: (d: AccessDecision) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<AccessDecision>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Pending = { request: { id, kind: 'access', origin, requestedScope }, waiters: new Set(), promise, resolve, reject };
    this.pending.set(id, entry);
    this.addWaiter(entry, page);
    this.windows.open(id).then(
      (windowId) => {
        if (windowId === undefined) return;
        // Dropped while the window was opening: close it now.
        if (!this.pending.has(id)) void this.windows.close(windowId).catch(() => undefined);
        else entry.windowId = windowId;
      },
      (cause: unknown) => this.settle(id, new ParleyError('Rpc.Disconnected', 'The approval window could not open.', { cause })),
    );
    return promise;
  }

  get(approvalId: string): ApprovalRequest {
    const p = this.pending.get(approvalId);
    if (!p) throw new ParleyError('Rpc.NotFound', 'No such approval request; it may have been answered already.');
    return p.request;
  }

  /** The user's answer from the approval page. */
  decide(approvalId: string, approved: boolean, scope?: AccessScope, identityId?: string): void {
    const p = this.pending.get(approvalId);
    if (!p) throw new ParleyError('Rpc.NotFound', 'No such approval request; it may have been answered already.');
    if (approved) {
      this.cooldowns.delete(p.request.origin);
      const decision: AccessDecision = { scope: scope ?? p.request.requestedScope };
      if (identityId !== undefined) decision.identityId = identityId;
      this.settle(approvalId, decision);
    } else {
      this.coolDown(p.request.origin);
      this.settle(approvalId, new ParleyError('Rpc.UserRejected', 'The user rejected the request.'));
    }
  }

  /** chrome.windows.onRemoved: a closed approval window means no. */
  windowRemoved(windowId: number): void {
    for (const [id, p] of this.pending) {
      if (p.windowId !== windowId) continue;
      this.coolDown(p.request.origin);
      this.settle(id, new ParleyError('Rpc.UserRejected', 'The user closed the approval window.'), false);
    }
  }

  private addWaiter(entry: Pending, page: AbortSignal | undefined): void {
    if (!page) return;
    entry.waiters.add(page);
    page.addEventListener(
      'abort',
      () => {
        entry.waiters.delete(page);
        // Not the user's no: no cooldown, the site may ask again from a new page.
        if (entry.waiters.size === 0) this.settle(entry.request.id, pageGone());
      },
      { once: true },
    );
  }

  private coolDown(origin: string): void {
    const rejects = (this.cooldowns.get(origin)?.rejects ?? 0) + 1;
    const period = Math.min(REJECT_COOLDOWN_MS * 2 ** (rejects - 1), MAX_REJECT_COOLDOWN_MS);
    this.cooldowns.set(origin, { rejects, until: this.now() + period });
  }

  private settle(id: string, outcome: AccessDecision | Error, closeWindow = true): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
    if (closeWindow && p.windowId !== undefined) void this.windows.close(p.windowId).catch(() => undefined);
  }
}

function pageGone(): ParleyError {
  return new ParleyError('Rpc.UserRejected', 'The page that asked for access was closed.');
}
