import { describe, expect, it } from 'vitest';
import { base64 } from '@scure/base';
import { encodeContent, type KnownContent } from './helpers';

const ref = 'ab'.repeat(32);
const fallbackOf = (c: KnownContent) => encodeContent(c).fallback;

/** The exact strings of libxmtp v1.10.0's codecs (xmtp_content_types/src/*.rs), which node-sdk 6 sends. */
describe('fallback text', () => {
  it('says what a reaction did, in ASCII quotes', () => {
    expect(fallbackOf({ type: 'reaction', reference: ref, action: 'added', schema: 'unicode', content: '👍' })).toBe(
      'Reacted with "👍" to an earlier message',
    );
    expect(fallbackOf({ type: 'reaction', reference: ref, action: 'removed', schema: 'unicode', content: '👍' })).toBe(
      'Removed "👍" from an earlier message',
    );
  });

  it('quotes a text reply and only a text reply', () => {
    expect(fallbackOf({ type: 'reply', reference: ref, content: { type: 'text', text: 'same' } })).toBe(
      'Replied with "same" to an earlier message',
    );
    expect(fallbackOf({ type: 'reply', reference: ref, content: { type: 'markdown', markdown: '*same*' } })).toBe(
      'Replied to an earlier message',
    );
  });

  it('names the attachment, or "this content" without a filename', () => {
    const data = base64.encode(new Uint8Array([1]));
    expect(fallbackOf({ type: 'attachment', filename: 'cat.png', mimeType: 'image/png', data })).toBe(
      "Can't display cat.png. This app doesn't support attachments.",
    );
    expect(fallbackOf({ type: 'attachment', mimeType: 'image/png', data })).toBe(
      "Can't display this content. This app doesn't support attachments.",
    );
  });

  it('says a remote attachment is remote', () => {
    const remote = { type: 'remoteStaticAttachment', url: 'https://x/y', contentDigest: '', secret: '', salt: '', nonce: '', scheme: 'https://' } as const;
    expect(fallbackOf({ ...remote, filename: 'y.pdf' })).toBe("Can't display y.pdf. This app doesn't support remote attachments.");
    expect(fallbackOf(remote)).toBe("Can't display this content. This app doesn't support remote attachments.");
  });

  it('points a transaction reference at a block explorer when it has a hash', () => {
    expect(fallbackOf({ type: 'transactionReference', networkId: '1', reference: '0xabc' })).toBe(
      '[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: 0xabc',
    );
    expect(fallbackOf({ type: 'transactionReference', networkId: '1', reference: '' })).toBe('Crypto transaction');
  });

  it('prints a wallet call request as its JSON', () => {
    expect(
      fallbackOf({ type: 'walletSendCalls', version: '1.0', chainId: '0x1', from: '0x01', calls: [{ to: '0x02', value: '0x0' }] }),
    ).toBe('[Transaction request generated]: {"version":"1.0","chainId":"0x1","from":"0x01","calls":[{"to":"0x02","value":"0x0"}]}');
  });

  it('has none for text, markdown, read receipts and group updates', () => {
    expect(fallbackOf({ type: 'text', text: 'x' })).toBeUndefined();
    expect(fallbackOf({ type: 'markdown', markdown: 'x' })).toBeUndefined();
    expect(fallbackOf({ type: 'readReceipt' })).toBeUndefined();
    expect(
      fallbackOf({
        type: 'groupUpdated', initiatedByInboxId: ref, addedInboxes: [], removedInboxes: [], leftInboxes: [],
        metadataFieldChanges: [], addedAdminInboxes: [], removedAdminInboxes: [], addedSuperAdminInboxes: [], removedSuperAdminInboxes: [],
      }),
    ).toBeUndefined();
  });
});
