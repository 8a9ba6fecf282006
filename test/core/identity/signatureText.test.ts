import { hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  identityUpdateSignatureText,
  inboxIdFor,
  signatureTimestamp,
  type UnsignedAction,
} from '../../../src/core/identity';
import { expectCode, FIXTURE_ADDRESS, FIXTURE_INBOX_ID, FIXTURE_INSTALLATION, FIXTURE_TIMESTAMP_NS } from './helpers';

const eth = (address: string) => ({ kind: 'ethereum', address }) as const;
const inst = (hex: string) => ({ kind: 'installation', publicKey: hexToBytes(hex) }) as const;
const passkey = (hex: string) => ({ kind: 'passkey', key: hexToBytes(hex), relyingParty: 'https://a.example' }) as const;

describe('identityUpdateSignatureText', () => {
  it('reproduces libxmtp’s text for every action kind (unsigned_actions.rs create_signatures vector)', () => {
    const owner = '0x1234567890abcdef1234567890abcdef12345678';
    const linked = '0x4567890abcdef1234567890abcdef12345678123';
    const actions: UnsignedAction[] = [
      { kind: 'createInbox', identifier: eth(owner), nonce: 0n },
      { kind: 'addAssociation', newMember: eth(linked) },
      { kind: 'addAssociation', newMember: inst('010203') },
      { kind: 'revokeAssociation', revokedMember: eth(linked) },
      { kind: 'revokeAssociation', revokedMember: inst('010203') },
      { kind: 'changeRecoveryAddress', newRecoveryIdentifier: eth('0x7890abcdef1234567890abcdef12345678123456') },
    ];
    const text = identityUpdateSignatureText({ inboxId: inboxIdFor(owner, 0n), clientTimestampNs: 12n, actions });
    expect(text).toBe(
      'XMTP : Authenticate to inbox\n' +
        '\n' +
        'Inbox ID: fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9\n' +
        'Current time: 1970-01-01T00:00:00Z\n' +
        '\n' +
        '- Create inbox\n' +
        '  (Owner: 0x1234567890abcdef1234567890abcdef12345678)\n' +
        '- Link address to inbox\n' +
        '  (Address: 0x4567890abcdef1234567890abcdef12345678123)\n' +
        '- Grant messaging access to app\n' +
        '  (ID: 010203)\n' +
        '- Unlink address from inbox\n' +
        '  (Address: 0x4567890abcdef1234567890abcdef12345678123)\n' +
        '- Revoke messaging access from app\n' +
        '  (ID: 010203)\n' +
        '- Change inbox recovery address\n' +
        '  (Address: 0x7890abcdef1234567890abcdef12345678123456)\n' +
        '\n' +
        'For more info: https://xmtp.org/signatures',
    );
  });

  it('reproduces the text node-sdk 6.0.0 signed at registration', () => {
    const text = identityUpdateSignatureText({
      inboxId: FIXTURE_INBOX_ID,
      clientTimestampNs: FIXTURE_TIMESTAMP_NS,
      actions: [
        { kind: 'createInbox', identifier: eth(FIXTURE_ADDRESS), nonce: 1n },
        { kind: 'addAssociation', newMember: inst(FIXTURE_INSTALLATION) },
      ],
    });
    expect(text).toBe(
      `XMTP : Authenticate to inbox\n\nInbox ID: ${FIXTURE_INBOX_ID}\nCurrent time: 2026-11-26T03:45:35Z\n\n` +
        `- Create inbox\n  (Owner: ${FIXTURE_ADDRESS})\n` +
        `- Grant messaging access to app\n  (ID: ${FIXTURE_INSTALLATION})\n\n` +
        'For more info: https://xmtp.org/signatures',
    );
  });

  it('writes passkey members with their own lines, hex keys, and "Address" for a passkey recovery', () => {
    const text = identityUpdateSignatureText({
      inboxId: 'x',
      clientTimestampNs: 0n,
      actions: [
        { kind: 'createInbox', identifier: passkey('0a0B'), nonce: 3n },
        { kind: 'addAssociation', newMember: passkey('0102') },
        { kind: 'revokeAssociation', revokedMember: passkey('0102') },
        { kind: 'changeRecoveryAddress', newRecoveryIdentifier: passkey('ff') },
      ],
    });
    expect(text).toContain(
      '- Create inbox\n  (Owner: 0a0b)\n' +
        '- Link passkey to inbox\n  (Passkey: 0102)\n' +
        '- Unlink passkey from inbox\n  (Passkey: 0102)\n' +
        '- Change inbox recovery address\n  (Address: ff)\n\n',
    );
  });

  it('prints the client timestamp as chrono does: whole seconds, floored, u64 read as i64', () => {
    expect(signatureTimestamp(0n)).toBe('1970-01-01T00:00:00Z');
    expect(signatureTimestamp(999_999_999n)).toBe('1970-01-01T00:00:00Z');
    expect(signatureTimestamp(1_000_000_000n)).toBe('1970-01-01T00:00:01Z');
    expect(signatureTimestamp((1n << 63n) - 1n)).toBe('2262-04-11T23:47:16Z');
    expect(signatureTimestamp((1n << 64n) - 1n)).toBe('1969-12-31T23:59:59Z');
    expect(signatureTimestamp(1n << 63n)).toBe('1677-09-21T00:12:43Z');
  });

  it('refuses a timestamp outside u64', async () => {
    await expectCode(() => signatureTimestamp(-1n), 'Identity.BadInput');
    await expectCode(() => signatureTimestamp(1n << 64n), 'Identity.BadInput');
  });
});
