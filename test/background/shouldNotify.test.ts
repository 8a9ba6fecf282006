import { describe, expect, it } from 'vitest';
import type { NotifyFacts } from '../../src/background/shouldNotify';
import { shouldNotify } from '../../src/background/shouldNotify';

const base: NotifyFacts = {
  ownInboxId: 'me',
  senderInboxId: 'peer',
  contentType: 'text',
  consentState: 'allowed',
  muted: false,
  sentAtNs: 10n,
  readNs: 0n,
  notifiedNs: 0n,
  requestNoticed: false,
};

describe('shouldNotify', () => {
  it("notifies a peer's new text in an allowed conversation", () => {
    expect(shouldNotify(base)).toBe('message');
  });

  it('never notifies our own messages, from any installation', () => {
    expect(shouldNotify({ ...base, senderInboxId: 'me' })).toBe('none');
  });

  it('never notifies read receipts or membership changes', () => {
    expect(shouldNotify({ ...base, contentType: 'readReceipt' })).toBe('none');
    expect(shouldNotify({ ...base, contentType: 'groupUpdated' })).toBe('none');
    expect(shouldNotify({ ...base, contentType: 'reaction' })).toBe('message');
  });

  it('never notifies a denied conversation, even a request never noticed', () => {
    expect(shouldNotify({ ...base, consentState: 'denied' })).toBe('none');
  });

  it('never notifies a muted conversation, allowed or a request', () => {
    expect(shouldNotify({ ...base, muted: true })).toBe('none');
    expect(shouldNotify({ ...base, muted: true, consentState: 'unknown' })).toBe('none');
  });

  it('gives a message request one quiet notice, then nothing until it is allowed', () => {
    expect(shouldNotify({ ...base, consentState: 'unknown' })).toBe('request');
    expect(shouldNotify({ ...base, consentState: 'unknown', requestNoticed: true })).toBe('none');
    expect(shouldNotify({ ...base, consentState: 'allowed', requestNoticed: true })).toBe('message');
  });

  it('does not notify what was read or notified already', () => {
    expect(shouldNotify({ ...base, readNs: 10n })).toBe('none');
    expect(shouldNotify({ ...base, notifiedNs: 10n })).toBe('none');
    expect(shouldNotify({ ...base, notifiedNs: 9n, readNs: 9n })).toBe('message');
  });
});
