import { describe, expect, it } from 'vitest';
import { inboxIdFor, inboxIdForText } from '../../../src/core/identity';
import { expectCode, FIXTURE_ADDRESS, FIXTURE_INBOX_ID } from './helpers';

describe('inboxIdFor', () => {
  it('gives the inbox id node-sdk 6.0.0 registered for its wallet (nonce 1 by default)', () => {
    expect(inboxIdFor(FIXTURE_ADDRESS)).toBe(FIXTURE_INBOX_ID);
    expect(inboxIdFor(FIXTURE_ADDRESS, 1n)).toBe(FIXTURE_INBOX_ID);
  });

  it('matches libxmtp’s own vector for nonce 0 (unsigned_actions.rs create_signatures)', () => {
    expect(inboxIdFor('0x1234567890abcdef1234567890abcdef12345678', 0n)).toBe(
      'fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9',
    );
  });

  it('lowercases a checksummed address first', () => {
    expect(inboxIdFor('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')).toBe(FIXTURE_INBOX_ID);
    // the raw form hashes the text as written, as libxmtp does for identifiers off the wire
    expect(inboxIdForText('0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1n)).not.toBe(FIXTURE_INBOX_ID);
  });

  it('gives another inbox for another nonce', () => {
    expect(inboxIdFor(FIXTURE_ADDRESS, 2n)).not.toBe(FIXTURE_INBOX_ID);
  });

  it('refuses what is not an address, or a nonce outside u64', async () => {
    await expectCode(() => inboxIdFor('0x1234'), 'Identity.BadInput');
    await expectCode(() => inboxIdFor(FIXTURE_ADDRESS.slice(2)), 'Identity.BadInput');
    await expectCode(() => inboxIdFor(`${FIXTURE_ADDRESS.slice(0, 41)}g`), 'Identity.BadInput');
    await expectCode(() => inboxIdFor(FIXTURE_ADDRESS, -1n), 'Identity.BadInput');
    await expectCode(() => inboxIdFor(FIXTURE_ADDRESS, 1n << 64n), 'Identity.BadInput');
  });
});
