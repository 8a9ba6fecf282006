import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import { clockTime, conversationTitle, inboxName, messageText, relativeTime, shortAddress } from '../../src/popup/inbox/format';
import { identicon } from '../../src/popup/inbox/identicon';

const ADDRESS = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const PEER = 'b0'.repeat(32);

describe('names', () => {
  it('shortens an address to its start and end', () => {
    expect(shortAddress(ADDRESS)).toBe('0x7099…79c8');
  });

  it('names a DM by the peer’s address once known, by a short inbox id before', () => {
    const dm = { id: 'aa', kind: 'dm' as const, createdAtNs: '1', consentState: 'allowed' as const, memberInboxIds: [PEER], peerInboxId: PEER };
    expect(conversationTitle(dm)).toBe('DM with b0b0b0…b0b0');
    expect(conversationTitle(dm, { [PEER]: ADDRESS })).toBe('0x7099…79c8');
    expect(inboxName(PEER, {})).toBe('b0b0b0…b0b0');
    expect(inboxName(PEER, { [PEER]: ADDRESS })).toBe('0x7099…79c8');
  });
});

describe('relative timestamps', () => {
  // Local time, as the popup shows it: noon on a Wednesday.
  const now = new Date(2026, 11, 9, 12, 0, 0);
  const at = (days: number, hours = 0, minutes = 0) => new Date(2026, 11, 9 - days, 12 - hours, -minutes, 0);

  it('says now, minutes and hours for today', () => {
    expect(relativeTime(new Date(now.getTime() - 20_000), now)).toBe('now');
    expect(relativeTime(at(0, 0, 2), now)).toBe('2 min');
    expect(relativeTime(at(0, 0, 59), now)).toBe('59 min');
    expect(relativeTime(at(0, 3), now)).toBe('3 h');
    expect(relativeTime(new Date(2026, 11, 9, 0, 5), now)).toBe('11 h');
  });

  it('says yesterday for any time of the day before, then the weekday, then the date', () => {
    expect(relativeTime(new Date(2026, 11, 8, 23, 59), now)).toBe('yesterday');
    expect(relativeTime(new Date(2026, 11, 8, 0, 1), now)).toBe('yesterday');
    expect(relativeTime(new Date(2026, 11, 5, 9, 0), now)).toBe(new Date(2026, 11, 5).toLocaleDateString([], { weekday: 'short' }));
    expect(relativeTime(new Date(2026, 10, 20, 9, 0), now)).toBe(new Date(2026, 10, 20).toLocaleDateString([], { month: 'short', day: 'numeric' }));
    expect(relativeTime(new Date(2025, 10, 20, 9, 0), now)).toContain('2025');
  });

  it('gives a message’s clock time today, and its date too before today', () => {
    expect(clockTime(at(0, 1), now)).not.toContain(',');
    expect(clockTime(at(2), now)).toContain(',');
  });
});

describe('identicons', () => {
  it('gives an address the same picture every time, whatever its case', () => {
    expect(identicon(ADDRESS)).toEqual(identicon(ADDRESS.toUpperCase().replace('0X', '0x')));
    const { cells, hue } = identicon(ADDRESS);
    expect(cells).toHaveLength(25);
    expect(hue).toBeGreaterThanOrEqual(0);
    expect(hue).toBeLessThan(360);
  });

  it('is mirrored left to right, as identicons are', () => {
    const { cells } = identicon(ADDRESS);
    for (let row = 0; row < 5; row++) {
      expect(cells[row * 5]).toBe(cells[row * 5 + 4]);
      expect(cells[row * 5 + 1]).toBe(cells[row * 5 + 3]);
    }
  });

  it('tells apart addresses that differ in one digit', () => {
    const pictures = new Set<string>();
    for (const last of '0123456789abcdef') {
      const { cells, hue } = identicon(`${ADDRESS.slice(0, -1)}${last}`);
      pictures.add(`${cells.map(Number).join('')}/${hue}`);
    }
    expect(pictures.size).toBe(16);
  });
});

describe('what each content type reads as', () => {
  const base = { id: '01', conversationId: 'aa', senderInboxId: PEER, sentAtNs: '1', contentType: 'x' };
  const text = (content: unknown, fallback?: string) => messageText({ ...base, content, ...(fallback === undefined ? {} : { fallback }) } as Message);

  it('says what a non-text message is, without fetching or running anything of it', () => {
    expect(text({ type: 'attachment', filename: 'chart.png', mimeType: 'image/png', data: 'A'.repeat(4000) })).toBe('📎 chart.png (image/png, 2.9 kB)');
    expect(text({ type: 'remoteStaticAttachment', url: 'https://files.example/abc', contentDigest: '', secret: '', salt: '', nonce: '', scheme: 'https://', contentLength: 2_500_000, filename: 'talk.mp4' })).toBe(
      '📎 talk.mp4 (2.4 MB), stored at files.example',
    );
    expect(text({ type: 'transactionReference', networkId: 8453, reference: '0x1234567890abcdef1234', metadata: { transactionType: 'transfer', currency: 'USDC', amount: 1500000, decimals: 6, fromAddress: '', toAddress: '' } })).toBe(
      'Transaction 0x123456…1234 on network 8453: 1.5 USDC',
    );
    expect(text({ type: 'walletSendCalls', version: '1', chainId: '0x2105', from: '0x0', calls: [{}, {}] })).toBe('Asks your wallet to send 2 calls on chain 0x2105');
    expect(text({ type: 'reply', reference: '02', content: { type: 'attachment', filename: 'a.pdf', mimeType: 'application/pdf', data: 'AAAA' } }, 'Replied with a file')).toBe('📎 a.pdf (application/pdf, 3 B)');
    expect(text({ type: 'reply', reference: '02', content: { type: 'markdown', markdown: '**yes**' } })).toBe('**yes**');
    expect(text({ type: 'unknown', contentType: 'example.org/poll:1.0' }, 'A poll: lunch?')).toBe('A poll: lunch?');
  });

  it('keeps bidi controls out of what a peer sent', () => {
    expect(text({ type: 'attachment', filename: 'gnp\u202E.exe', mimeType: 'image/png', data: '' })).toBe('📎 gnp.exe (image/png, 0 B)');
  });
});
