import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64 } from '@scure/base';
import {
  ContentTypes,
  contentTypeOf,
  decodeContent,
  decodeEncodedContent,
  decodeUncompressedContent,
  encodeContent,
  encodeEncodedContent,
  type ContentTypeId,
  type EncodedContent,
  type KnownContent,
} from '../../../src/core/content';
import { ParleyError } from '../../../src/core/errors';
import { knownContentArb, unicode } from './arbitraries';

const inboxA = 'aa'.repeat(32);
const msgId = 'bb'.repeat(32);

/** One of each, as a dApp or the client would build it. */
const examples: KnownContent[] = [
  { type: 'text', text: 'gm' },
  { type: 'markdown', markdown: '**gm**' },
  { type: 'reaction', reference: msgId, referenceInboxId: inboxA, action: 'added', schema: 'unicode', content: '👍' },
  { type: 'reply', reference: msgId, referenceInboxId: inboxA, content: { type: 'text', text: 'agreed' } },
  { type: 'readReceipt' },
  { type: 'attachment', filename: 'gm.txt', mimeType: 'text/plain', data: base64.encode(new TextEncoder().encode('gm')) },
  {
    type: 'remoteStaticAttachment',
    url: 'https://example.com/x',
    contentDigest: 'ee'.repeat(32),
    secret: '11'.repeat(32),
    salt: '22'.repeat(32),
    nonce: '33'.repeat(12),
    scheme: 'https://',
    contentLength: 42,
    filename: 'x.png',
  },
  { type: 'transactionReference', namespace: 'eip155', networkId: 8453, reference: '0x' + 'ab'.repeat(32) },
  {
    type: 'walletSendCalls',
    version: '1.0',
    chainId: '0x2105',
    from: '0x' + '01'.repeat(20),
    calls: [{ to: '0x' + '02'.repeat(20), value: '0x1', metadata: { description: 'tip', transactionType: 'transfer', note: 'x' } }],
    capabilities: { paymasterService: 'https://pm.example' },
  },
  {
    type: 'groupUpdated',
    initiatedByInboxId: inboxA,
    addedInboxes: ['cc'.repeat(32)],
    removedInboxes: [],
    leftInboxes: [],
    metadataFieldChanges: [{ fieldName: 'group_name', oldValue: 'a', newValue: 'b' }, { fieldName: 'description' }],
    addedAdminInboxes: [],
    removedAdminInboxes: [],
    addedSuperAdminInboxes: [],
    removedSuperAdminInboxes: [],
  },
];

async function roundTrip(content: KnownContent): Promise<unknown> {
  return decodeContent(decodeEncodedContent(encodeEncodedContent(encodeContent(content))));
}

describe('content codec registry', () => {
  for (const content of examples) {
    it(`round-trips ${content.type} through EncodedContent bytes`, async () => {
      expect(await roundTrip(content)).toEqual(content);
    });
  }

  it('round-trips any content it can encode', async () => {
    await fc.assert(
      fc.asyncProperty(knownContentArb, async (content) => {
        expect(await roundTrip(content)).toEqual(content);
      }),
      { numRuns: 500 },
    );
  });

  it('writes every type under its libxmtp content-type id', () => {
    const ids = Object.fromEntries(examples.map((c) => [c.type, encodeContent(c).type]));
    const asString = (id: ContentTypeId | undefined) => `${id?.authorityId}/${id?.typeId}:${id?.versionMajor}.${id?.versionMinor}`;
    expect(Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, asString(v)]))).toEqual({
      text: 'xmtp.org/text:1.0',
      markdown: 'xmtp.org/markdown:1.0',
      reaction: 'xmtp.org/reaction:2.0',
      reply: 'xmtp.org/reply:1.0',
      readReceipt: 'xmtp.org/readReceipt:1.0',
      attachment: 'xmtp.org/attachment:1.0',
      remoteStaticAttachment: 'xmtp.org/remoteStaticAttachment:1.0',
      transactionReference: 'xmtp.org/transactionReference:1.0',
      walletSendCalls: 'xmtp.org/walletSendCalls:1.0',
      groupUpdated: 'xmtp.org/group_updated:1.0',
    });
    for (const c of examples) expect(contentTypeOf(c)).toEqual(encodeContent(c).type);
  });

  it('decodes an unknown content type to its id and fallback', async () => {
    const encoded: EncodedContent = {
      type: { authorityId: 'example.org', typeId: 'poll', versionMajor: 3, versionMinor: 1 },
      parameters: {},
      fallback: 'A poll: vote in another app',
      content: new Uint8Array([1, 2, 3]),
    };
    expect(await decodeContent(encoded)).toEqual({
      type: 'unknown',
      contentType: 'example.org/poll:3.1',
      fallback: 'A poll: vote in another app',
    });
    expect(decodeUncompressedContent({ ...encoded, fallback: undefined } as EncodedContent)).toEqual({
      type: 'unknown',
      contentType: 'example.org/poll:3.1',
    });
  });

  it('treats an unknown major version or another authority as unknown', async () => {
    const text = encodeContent({ type: 'text', text: 'gm' });
    expect(await decodeContent({ ...text, type: { ...ContentTypes.text, versionMajor: 2 } })).toMatchObject({ type: 'unknown', contentType: 'xmtp.org/text:2.0' });
    expect(await decodeContent({ ...text, type: { ...ContentTypes.text, authorityId: 'example.org' } })).toMatchObject({ type: 'unknown' });
  });

  it('shows a known type whose payload does not decode as unknown, and names it malformed when strict', async () => {
    const bad: EncodedContent = { ...encodeContent({ type: 'text', text: 'x' }), content: new Uint8Array([0xff]), fallback: 'fb' };
    expect(await decodeContent(bad)).toEqual({ type: 'unknown', contentType: 'xmtp.org/text:1.0', fallback: 'fb' });
    expect(() => decodeUncompressedContent(bad)).toThrowError(expect.objectContaining({ code: 'Codec.Malformed' }));
  });

  it('refuses compressed content when strict: it must be inflated first', () => {
    const compressed: EncodedContent = { ...encodeContent({ type: 'text', text: 'x' }), compression: 1 };
    expect(() => decodeUncompressedContent(compressed)).toThrowError(expect.objectContaining({ code: 'Content.Unsupported' }));
  });

  it('decodes a reply to an unknown type with the inner content as unknown', async () => {
    const inner: EncodedContent = {
      type: { authorityId: 'example.org', typeId: 'poll', versionMajor: 1, versionMinor: 0 },
      parameters: {},
      fallback: 'a poll',
      content: new Uint8Array([9]),
    };
    const reply: EncodedContent = {
      type: { ...ContentTypes.reply },
      parameters: { reference: msgId, contentType: 'example.org/poll:1.0' },
      content: encodeEncodedContent(inner),
    };
    expect(await decodeContent(reply)).toEqual({
      type: 'reply',
      reference: msgId,
      content: { type: 'unknown', contentType: 'example.org/poll:1.0', fallback: 'a poll' },
    });
  });

  it('resolves one level of reply: a reply inside a reply is unknown', async () => {
    const innerReply = encodeContent({ type: 'reply', reference: msgId, content: { type: 'text', text: 'deep' } });
    const outer: EncodedContent = {
      type: { ...ContentTypes.reply },
      parameters: { reference: msgId },
      content: encodeEncodedContent(innerReply),
    };
    expect(await decodeContent(outer)).toEqual({
      type: 'reply',
      reference: msgId,
      content: { type: 'unknown', contentType: 'xmtp.org/reply:1.0', fallback: 'Replied with "deep" to an earlier message' },
    });
  });

  it('refuses to encode a reply whose content has no codec', () => {
    expect(() =>
      encodeContent({ type: 'reply', reference: msgId, content: { type: 'unknown', contentType: 'example.org/poll:1.0' } }),
    ).toThrowError(expect.objectContaining({ code: 'Content.Invalid' }));
  });

  it('gives every decoder random payloads and parameters and gets content or a typed error', () => {
    const ids: ContentTypeId[] = [...Object.values(ContentTypes), { ...ContentTypes.reaction, versionMajor: 1 }];
    const paramKeys = ['encoding', 'reference', 'referenceInboxId', 'contentType', 'action', 'schema', 'mimeType', 'filename',
      'contentDigest', 'salt', 'nonce', 'secret', 'scheme', 'contentLength'];
    const paramArb = fc.dictionary(fc.constantFrom(...paramKeys), fc.oneof(unicode(10), fc.constantFrom('UTF-8', 'added', '12', 'abcd')), { noNullPrototype: true });
    const payloadArb = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc.constant(new TextEncoder().encode('{"networkId":1,"reference":"x","metadata":{"amount":"1"}}')),
    );
    fc.assert(
      fc.property(fc.constantFrom(...ids), paramArb, payloadArb, (type, parameters, content) => {
        try {
          const decoded = decodeUncompressedContent({ type, parameters, content });
          expect(typeof decoded.type).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect(['Codec.Malformed', 'Content.Unsupported']).toContain((e as ParleyError).code);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
