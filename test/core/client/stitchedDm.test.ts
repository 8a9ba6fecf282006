import { describe, expect, it } from 'vitest';
import { dmAnchor, dmLastActivityNs, dmSendTarget, effectiveConsent, pairConsent } from '../../../src/core/client/dmStitching';
import type { GroupRecord } from '../../../src/core/client/store';

function dm(id: string, change: Partial<GroupRecord> = {}): GroupRecord {
  return {
    id,
    kind: 'dm',
    dmId: 'dm:a:b',
    createdAtNs: 1n,
    addedByInboxId: 'a',
    consentState: 'unknown',
    consentUpdatedAtNs: 0n,
    membershipState: 'allowed',
    active: true,
    cursor: 0n,
    lastMessageAtNs: 0n,
    ...change,
  };
}

describe('the groups of a DM pair', () => {
  it('sends to the active group with the latest activity, ties to the greater id, as libxmtp orders (last_message_ns, id)', () => {
    expect(dmSendTarget([dm('aa', { lastMessageAtNs: 5n }), dm('bb', { lastMessageAtNs: 4n })])?.id).toBe('aa');
    expect(dmSendTarget([dm('aa', { lastMessageAtNs: 5n }), dm('bb', { lastMessageAtNs: 5n })])?.id).toBe('bb');
    expect(dmSendTarget([dm('aa', { lastMessageAtNs: 9n, active: false }), dm('bb', { lastMessageAtNs: 1n })])?.id).toBe('bb');
    expect(dmSendTarget([dm('aa', { lastMessageAtNs: 9n, active: false }), dm('bb', { lastMessageAtNs: 1n, active: false })])?.id).toBe('aa');
    expect(dmSendTarget([])).toBeUndefined();
  });

  it('is named by the group this installation had first, whatever the activity, ties to the lesser id', () => {
    expect(dmAnchor([dm('bb', { createdAtNs: 2n, lastMessageAtNs: 1n }), dm('aa', { createdAtNs: 3n, lastMessageAtNs: 9n })])?.id).toBe('bb');
    expect(dmAnchor([dm('bb', { createdAtNs: 2n }), dm('aa', { createdAtNs: 2n })])?.id).toBe('aa');
    expect(dmAnchor([])).toBeUndefined();
    expect(dmLastActivityNs([dm('aa', { lastMessageAtNs: 4n }), dm('bb', { lastMessageAtNs: 7n })])).toBe(7n);
  });
});

describe('the consent of a DM pair', () => {
  it('is the latest decision on any group; undecided groups do not count; a tie goes to denied', () => {
    expect(pairConsent([dm('aa'), dm('bb')])).toBe('unknown');
    expect(pairConsent([dm('aa', { consentState: 'allowed', consentUpdatedAtNs: 3n }), dm('bb', { consentUpdatedAtNs: 9n })])).toBe('allowed');
    expect(pairConsent([dm('aa', { consentState: 'allowed', consentUpdatedAtNs: 3n }), dm('bb', { consentState: 'denied', consentUpdatedAtNs: 4n })])).toBe('denied');
    expect(pairConsent([dm('aa', { consentState: 'allowed', consentUpdatedAtNs: 5n }), dm('bb', { consentState: 'denied', consentUpdatedAtNs: 4n })])).toBe('allowed');
    expect(pairConsent([dm('aa', { consentState: 'allowed', consentUpdatedAtNs: 4n }), dm('bb', { consentState: 'denied', consentUpdatedAtNs: 4n })])).toBe('denied');
  });

  it('is what each group of a pair shows, while a group keeps its own', () => {
    const group: GroupRecord = { ...dm('cc', { consentState: 'denied' }), kind: 'group' };
    delete group.dmId;
    const consent = effectiveConsent([dm('aa', { consentState: 'allowed', consentUpdatedAtNs: 2n }), dm('bb'), group]);
    expect(Object.fromEntries(consent)).toEqual({ aa: 'allowed', bb: 'allowed', cc: 'denied' });
  });
});
