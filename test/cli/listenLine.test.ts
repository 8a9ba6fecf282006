import { describe, expect, it } from 'vitest';
import { messageLine } from '../../src/cli/commands/listen';
import { jsonLine } from '../../src/cli/jsonLine';
import type { DecodedMessage } from '../../src/core/client';

const base: DecodedMessage = {
  id: 'm1',
  conversationId: 'c1',
  senderInboxId: 'peer',
  senderInstallationId: 'inst',
  sentAtNs: 5n,
  kind: 'application',
  deliveryStatus: 'published',
  contentType: 'xmtp.org/text:1.0',
  content: { type: 'text', text: 'x' },
};

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

describe("parley listen's line of a peer's message", () => {
  it('prints text, replies and fallbacks without bidi overrides, which JSON would keep as they are', () => {
    const text = messageLine({ ...base, content: { type: 'text', text: 'run \u202Egnp.exe\u202C now' } }, null);
    expect(text['content']).toEqual({ type: 'text', text: 'run gnp.exe now' });
    const reply = messageLine({
      ...base,
      contentType: 'xmtp.org/reply:1.0',
      content: { type: 'reply', reference: 'ab', content: { type: 'text', text: '\u2067ok\u2069' } },
      fallback: 'Replied with \u2067ok\u2069',
    } as DecodedMessage, null);
    expect(reply['content']).toMatchObject({ content: { type: 'text', text: 'ok' } });
    expect(reply['fallback']).toBe('Replied with ok');
    expect(BIDI.test(jsonLine(text) + jsonLine(reply))).toBe(false);
  });

  it('keeps the rest of the line as it was', () => {
    const line = messageLine({ ...base, contentType: 'xmtp.org/attachment:1.0', content: { type: 'attachment', filename: 'a\u202Eb.png', mimeType: 'image/png', data: 'AQID' } }, null);
    expect(line['content']).toEqual({ type: 'attachment', filename: 'ab.png', mimeType: 'image/png', data: 'AQID' });
    expect(line).toMatchObject({ id: 'm1', conversationId: 'c1', senderInboxId: 'peer', sentAtNs: 5n, contentType: 'xmtp.org/attachment:1.0' });
  });
});
