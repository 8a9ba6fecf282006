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
}

interface Pending {
  request: ApprovalRequest;
  windowId?: number;
  promise: Promise<AccessDecision>;
  resolve: (d: AccessDecision) => void;
  reject: (e: Error) => void;
}

/**
 * Approvals the user gives in a window of the extension's own (never in the page: a page can
 * draw anything). One pending request per origin: a page that asks again while the window is
 * open waits for the same answer. Closing the window is a rejection.
 */
export class Approvals {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly windows: ApprovalWindows) {}

  requestAccess(origin: string, requestedScope: AccessScope): Promise<AccessDecision> {
    for (const p of this.pending.values()) {
      if (p.request.origin === origin) return p.promise;
    }
    const id = randomHex(16);
    let resolve!: (d: AccessDecision) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<AccessDecision>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Pending = { request: { id, kind: 'access', origin, requestedScope }, promise, resolve, reject };
    this.pending.set(id, entry);
    this.windows.open(id).then(
      (windowId) => {
        if (windowId !== undefined) entry.windowId = windowId;
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
  decide(approvalId: string, approved: boolean, scope?: AccessScope): void {
    const p = this.pending.get(approvalId);
    if (!p) throw new ParleyError('Rpc.NotFound', 'No such approval request; it may have been answered already.');
    if (approved) this.settle(approvalId, { scope: scope ?? p.request.requestedScope });
    else this.settle(approvalId, new ParleyError('Rpc.UserRejected', 'The user rejected the request.'));
  }

  /** chrome.windows.onRemoved: a closed approval window means no. */
  windowRemoved(windowId: number): void {
    for (const [id, p] of this.pending) {
      if (p.windowId === windowId) this.settle(id, new ParleyError('Rpc.UserRejected', 'The user closed the approval window.'), false);
    }
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
