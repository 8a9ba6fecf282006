import { base64 } from '@scure/base';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import type {
  AttachmentContent,
  GroupUpdatedContent,
  KnownContent,
  MarkdownContent,
  ReactionContent,
  ReadReceiptContent,
  RemoteAttachmentContent,
  ReplyContent,
  SendableContent,
  TextContent,
  TransactionReferenceContent,
  WalletCall,
  WalletSendCallsContent,
} from '../../../src/core/content';

/** Well-formed Unicode (no lone surrogates), the only strings protobuf and JSON carry exactly. */
export const unicode = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength });
const nonEmpty = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', minLength: 1, maxLength });
const hexOf = (length: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: length, maxLength: length }).map(bytesToHex);
const dict = (maxKeys: number, exclude: readonly string[] = []): fc.Arbitrary<Record<string, string>> =>
  fc.dictionary(
    unicode(12).filter((k) => !exclude.includes(k)),
    unicode(20),
    { maxKeys, noNullPrototype: true },
  );

export const textArb: fc.Arbitrary<TextContent> = unicode(200).map((text) => ({ type: 'text', text }));
export const markdownArb: fc.Arbitrary<MarkdownContent> = unicode(200).map((markdown) => ({ type: 'markdown', markdown }));

export const reactionArb: fc.Arbitrary<ReactionContent> = fc.record(
  {
    type: fc.constant('reaction' as const),
    reference: hexOf(32),
    // Reaction 2.0 writes an absent inbox id as "", so "" is not a distinct value.
    referenceInboxId: hexOf(32),
    action: fc.constantFrom('added' as const, 'removed' as const),
    schema: fc.constantFrom('unicode' as const, 'shortcode' as const, 'custom' as const),
    content: nonEmpty(8),
  },
  { requiredKeys: ['type', 'reference', 'action', 'schema', 'content'] },
);

export const readReceiptArb: fc.Arbitrary<ReadReceiptContent> = fc.constant({ type: 'readReceipt' });

export const attachmentArb: fc.Arbitrary<AttachmentContent> = fc.record(
  {
    type: fc.constant('attachment' as const),
    filename: unicode(30),
    mimeType: nonEmpty(20),
    data: fc.uint8Array({ maxLength: 300 }).map((b) => base64.encode(b)),
  },
  { requiredKeys: ['type', 'mimeType', 'data'] },
);

export const remoteAttachmentArb: fc.Arbitrary<RemoteAttachmentContent> = fc.record(
  {
    type: fc.constant('remoteStaticAttachment' as const),
    url: fc.webUrl({ validSchemes: ['https'] }),
    contentDigest: hexOf(32),
    secret: hexOf(32),
    salt: hexOf(32),
    nonce: hexOf(12),
    scheme: fc.constant('https://'),
    contentLength: fc.nat({ max: 0xffff_ffff }),
    filename: unicode(30),
  },
  { requiredKeys: ['type', 'url', 'contentDigest', 'secret', 'salt', 'nonce', 'scheme'] },
);

export const transactionReferenceArb: fc.Arbitrary<TransactionReferenceContent> = fc.record(
  {
    type: fc.constant('transactionReference' as const),
    namespace: fc.constant('eip155'),
    networkId: fc.oneof(fc.nat(), hexOf(2).map((h) => `0x${h}`)),
    reference: hexOf(32).map((h) => `0x${h}`),
    metadata: fc.record({
      transactionType: nonEmpty(10),
      currency: nonEmpty(6),
      // JSON has no -0.
      amount: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
      decimals: fc.nat({ max: 255 }),
      fromAddress: hexOf(20).map((h) => `0x${h}`),
      toAddress: hexOf(20).map((h) => `0x${h}`),
    }),
  },
  { requiredKeys: ['type', 'networkId', 'reference'] },
);

const walletCallArb: fc.Arbitrary<WalletCall> = fc.record(
  {
    to: hexOf(20).map((h) => `0x${h}`),
    data: hexOf(8).map((h) => `0x${h}`),
    value: fc.nat().map((n) => `0x${n.toString(16)}`),
    gas: fc.nat().map((n) => `0x${n.toString(16)}`),
    metadata: fc
      .tuple(nonEmpty(20), nonEmpty(10), dict(3, ['description', 'transactionType']))
      .map(([description, transactionType, extra]) => ({ ...extra, description, transactionType })),
  },
  { requiredKeys: [] },
);

export const walletSendCallsArb: fc.Arbitrary<WalletSendCallsContent> = fc.record(
  {
    type: fc.constant('walletSendCalls' as const),
    version: fc.constant('1.0'),
    chainId: fc.nat().map((n) => `0x${n.toString(16)}`),
    from: hexOf(20).map((h) => `0x${h}`),
    calls: fc.array(walletCallArb, { minLength: 1, maxLength: 3 }),
    capabilities: dict(3),
  },
  { requiredKeys: ['type', 'version', 'chainId', 'from', 'calls'] },
);

const inboxIds = fc.array(hexOf(32), { maxLength: 3 });

export const groupUpdatedArb: fc.Arbitrary<GroupUpdatedContent> = fc.record({
  type: fc.constant('groupUpdated' as const),
  initiatedByInboxId: hexOf(32),
  addedInboxes: inboxIds,
  removedInboxes: inboxIds,
  leftInboxes: inboxIds,
  metadataFieldChanges: fc.array(
    fc.record(
      { fieldName: nonEmpty(20), oldValue: unicode(20), newValue: unicode(20) },
      { requiredKeys: ['fieldName'] },
    ),
    { maxLength: 3 },
  ),
  addedAdminInboxes: inboxIds,
  removedAdminInboxes: inboxIds,
  addedSuperAdminInboxes: inboxIds,
  removedSuperAdminInboxes: inboxIds,
});

/** Everything a reply may carry: any sendable content but another reply. */
export const replyableArb: fc.Arbitrary<Exclude<SendableContent, ReplyContent>> = fc.oneof(
  textArb,
  markdownArb,
  reactionArb,
  readReceiptArb,
  attachmentArb,
  remoteAttachmentArb,
  transactionReferenceArb,
  walletSendCallsArb,
);

export const replyArb: fc.Arbitrary<ReplyContent> = fc.record(
  {
    type: fc.constant('reply' as const),
    reference: hexOf(32),
    referenceInboxId: hexOf(32),
    content: replyableArb,
  },
  { requiredKeys: ['type', 'reference', 'content'] },
);

export const sendableArb: fc.Arbitrary<SendableContent> = fc.oneof(replyableArb, replyArb);

export const knownContentArb: fc.Arbitrary<KnownContent> = fc.oneof(sendableArb, groupUpdatedArb);
