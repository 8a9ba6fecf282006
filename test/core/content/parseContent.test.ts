import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64 } from '@scure/base';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_FIELD_CHARS,
  MAX_TEXT_BYTES,
  MAX_WALLET_CALLS,
  parseContent,
} from '../../../src/core/content';
import { ParleyError } from '../../../src/core/errors';
import { sendableArb } from './arbitraries';

const ref = 'ab'.repeat(32);

function invalidBecause(input: unknown): string {
  try {
    parseContent(input);
  } catch (e) {
    if (e instanceof ParleyError && e.code === 'Content.Invalid') return e.details ?? '';
    throw e;
  }
  throw new Error('accepted');
}

describe('parseContent (a dApp’s content, untrusted)', () => {
  it('accepts the window.xmtp shapes of DESIGN §4', () => {
    expect(parseContent({ type: 'text', text: 'gm' })).toEqual({ type: 'text', text: 'gm' });
    expect(parseContent({ type: 'reaction', reference: ref, action: 'added', content: '👍' })).toEqual({
      type: 'reaction', reference: ref, action: 'added', schema: 'unicode', content: '👍',
    });
    expect(parseContent({ type: 'reply', reference: ref, content: { type: 'text', text: 'yes' } })).toEqual({
      type: 'reply', reference: ref, content: { type: 'text', text: 'yes' },
    });
    expect(parseContent({ type: 'readReceipt' })).toEqual({ type: 'readReceipt' });
    expect(parseContent({ type: 'attachment', filename: 'a.txt', mimeType: 'text/plain', data: 'Z20=' })).toEqual({
      type: 'attachment', filename: 'a.txt', mimeType: 'text/plain', data: 'Z20=',
    });
  });

  it('returns a clean copy: unknown fields dropped, null optionals absent', () => {
    const parsed = parseContent({ type: 'text', text: 'gm', extra: { evil: true } });
    expect(parsed).toEqual({ type: 'text', text: 'gm' });
    expect(parseContent({ type: 'reaction', reference: ref, action: 'removed', content: 'x', referenceInboxId: null, schema: null }))
      .toEqual({ type: 'reaction', reference: ref, action: 'removed', schema: 'unicode', content: 'x' });
  });

  it('accepts whatever Parley can send, unchanged', () => {
    fc.assert(
      fc.property(sendableArb, (content) => {
        expect(parseContent(JSON.parse(JSON.stringify(content)))).toEqual(content);
      }),
      { numRuns: 500 },
    );
  });

  it('answers anything at all with content or Content.Invalid', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ type: fc.constantFrom('text', 'reaction', 'reply', 'attachment', 'remoteStaticAttachment', 'transactionReference', 'walletSendCalls', 'markdown'), text: fc.anything(), content: fc.anything(), data: fc.anything(), calls: fc.anything(), metadata: fc.anything() }, { requiredKeys: ['type'] }),
        ),
        (input) => {
          try {
            parseContent(input);
          } catch (e) {
            expect(e).toBeInstanceOf(ParleyError);
            expect((e as ParleyError).code).toBe('Content.Invalid');
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rejects what is not content a dApp may send', () => {
    expect(invalidBecause(null)).toMatch(/expected an object/);
    expect(invalidBecause([])).toMatch(/expected an object/);
    expect(invalidBecause({ type: 'groupUpdated' })).toMatch(/^type:/);
    expect(invalidBecause({ type: 'unknown', contentType: 'x' })).toMatch(/^type:/);
    expect(invalidBecause({ type: 'toString' })).toMatch(/^type:/);
    expect(invalidBecause({ text: 'no type' })).toMatch(/^type:/);
    expect(invalidBecause({ type: 'text', text: 42 })).toMatch(/^text: expected a string/);
    expect(invalidBecause({ type: 'reaction', reference: ref, action: 'liked', content: 'x' })).toMatch(/^action:/);
    expect(invalidBecause({ type: 'reaction', reference: ref, action: 'added', content: 'x', schema: 'emoji' })).toMatch(/^schema:/);
    expect(invalidBecause({ type: 'reply', reference: ref, content: { type: 'reply', reference: ref, content: { type: 'text', text: 'x' } } }))
      .toMatch(/a reply cannot contain a reply/);
  });

  it('rejects a lone surrogate, which UTF-8 cannot carry', () => {
    expect(invalidBecause({ type: 'text', text: 'a\uD800b' })).toMatch(/not valid Unicode/);
    expect(parseContent({ type: 'text', text: 'a\uD83D\uDE00b' })).toEqual({ type: 'text', text: 'a😀b' });
  });

  it(`caps text at ${MAX_TEXT_BYTES} UTF-8 bytes`, () => {
    expect(parseContent({ type: 'text', text: 'a'.repeat(MAX_TEXT_BYTES) })).toMatchObject({ type: 'text' });
    expect(invalidBecause({ type: 'text', text: 'a'.repeat(MAX_TEXT_BYTES + 1) })).toMatch(/longer than/);
    // Fewer characters than the cap, more bytes: é is two bytes.
    expect(invalidBecause({ type: 'markdown', markdown: 'é'.repeat(MAX_TEXT_BYTES / 2 + 1) })).toMatch(/UTF-8 bytes/);
  });

  it(`caps inline attachments at ${MAX_ATTACHMENT_BYTES} bytes and wants padded base64`, () => {
    const at = (n: number) => base64.encode(new Uint8Array(n));
    expect(parseContent({ type: 'attachment', mimeType: 'x/y', data: at(MAX_ATTACHMENT_BYTES) })).toMatchObject({ type: 'attachment' });
    expect(invalidBecause({ type: 'attachment', mimeType: 'x/y', data: at(MAX_ATTACHMENT_BYTES + 1) })).toMatch(/^data:/);
    expect(invalidBecause({ type: 'attachment', mimeType: 'x/y', data: 'Z20' })).toMatch(/base64/);
    expect(invalidBecause({ type: 'attachment', mimeType: 'x/y', data: '***=' })).toMatch(/base64/);
    expect(invalidBecause({ type: 'attachment', mimeType: '', data: 'Z20=' })).toMatch(/^mimeType:/);
  });

  it(`caps short fields at ${MAX_FIELD_CHARS} characters`, () => {
    expect(invalidBecause({ type: 'reaction', reference: 'a'.repeat(MAX_FIELD_CHARS + 1), action: 'added', content: 'x' })).toMatch(/^reference:/);
  });

  it('wants remote attachment keys of XMTP’s sizes and an https URL', () => {
    const good = {
      type: 'remoteStaticAttachment', url: 'https://example.com/x', contentDigest: 'EE'.repeat(32),
      secret: '11'.repeat(32), salt: '22'.repeat(32), nonce: '33'.repeat(12), scheme: 'https://',
    };
    expect(parseContent(good)).toMatchObject({ contentDigest: 'ee'.repeat(32) });
    expect(invalidBecause({ ...good, url: 'http://example.com/x' })).toMatch(/^url:/);
    expect(invalidBecause({ ...good, secret: '11'.repeat(31) })).toMatch(/^secret:/);
    expect(invalidBecause({ ...good, nonce: 'zz'.repeat(12) })).toMatch(/^nonce:/);
    expect(invalidBecause({ ...good, contentLength: -1 })).toMatch(/^contentLength:/);
  });

  it('checks transaction references and wallet call requests field by field', () => {
    expect(invalidBecause({ type: 'transactionReference', networkId: 1.5, reference: '0x1' })).toMatch(/^networkId:/);
    expect(invalidBecause({ type: 'transactionReference', networkId: 1, reference: '0x1', metadata: { transactionType: 't', currency: 'c', amount: 'lots', decimals: 6, fromAddress: 'a', toAddress: 'b' } }))
      .toMatch(/^metadata.amount:/);
    const call = { to: '0x02' };
    const wsc = { type: 'walletSendCalls', version: '1.0', chainId: '0x1', from: '0x01' };
    expect(invalidBecause({ ...wsc, calls: [] })).toMatch(/^calls:/);
    expect(invalidBecause({ ...wsc, calls: Array(MAX_WALLET_CALLS + 1).fill(call) })).toMatch(/^calls:/);
    expect(invalidBecause({ ...wsc, calls: [{ to: 7 }] })).toMatch(/^calls\[0\]\.to:/);
    expect(invalidBecause({ ...wsc, calls: [{ metadata: { description: 'd', transactionType: 't', n: 1 } }] })).toMatch(/^calls\[0\]\.metadata\.n:/);
  });

  it('reads only own properties, so a prototype cannot supply a field', () => {
    const proto = { text: 'from the prototype' };
    const input = Object.create(proto) as Record<string, unknown>;
    input.type = 'text';
    expect(invalidBecause(input)).toMatch(/^text:/);
  });

  it('keeps a "__proto__" key in a string map as data', () => {
    const input = JSON.parse('{"type":"walletSendCalls","version":"1","chainId":"0x1","from":"0x01","calls":[{"to":"0x02"}],"capabilities":{"__proto__":"x"}}');
    const parsed = parseContent(input);
    expect(parsed.type === 'walletSendCalls' && Object.getPrototypeOf(parsed.capabilities)).toBe(Object.prototype);
    expect(parsed.type === 'walletSendCalls' && Object.hasOwn(parsed.capabilities!, '__proto__')).toBe(true);
  });
});
