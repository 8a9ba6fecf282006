/**
 * Message content as dApps and the UI see it (DESIGN §4): plain JSON, binary as base64
 * (attachment data) or lowercase hex (remote attachment keys, as on the wire).
 */

export interface TextContent {
  type: 'text';
  text: string;
}

export interface MarkdownContent {
  type: 'markdown';
  markdown: string;
}

export type ReactionAction = 'added' | 'removed';
export type ReactionSchema = 'unicode' | 'shortcode' | 'custom';

export interface ReactionContent {
  type: 'reaction';
  /** Id (hex) of the message reacted to. */
  reference: string;
  /** Inbox of that message's sender; groups only. */
  referenceInboxId?: string;
  action: ReactionAction;
  schema: ReactionSchema;
  content: string;
}

export interface ReplyContent {
  type: 'reply';
  reference: string;
  referenceInboxId?: string;
  /** One level deep: a reply inside a reply decodes as `unknown`. */
  content: Content;
}

export interface ReadReceiptContent {
  type: 'readReceipt';
}

export interface AttachmentContent {
  type: 'attachment';
  filename?: string;
  mimeType: string;
  /** Base64 (RFC 4648 §4, padded). */
  data: string;
}

export interface RemoteAttachmentContent {
  type: 'remoteStaticAttachment';
  url: string;
  /** Hex SHA-256 of the encrypted payload. */
  contentDigest: string;
  /** Hex: the AES-256-GCM / HKDF-SHA256 secret, salt and nonce. */
  secret: string;
  salt: string;
  nonce: string;
  scheme: string;
  contentLength?: number;
  filename?: string;
}

export interface TransactionMetadata {
  transactionType: string;
  currency: string;
  amount: number;
  decimals: number;
  fromAddress: string;
  toAddress: string;
}

export interface TransactionReferenceContent {
  type: 'transactionReference';
  namespace?: string;
  networkId: string | number;
  reference: string;
  metadata?: TransactionMetadata;
}

/** Two named fields plus any further string fields, flat (libxmtp: serde flatten; xmtp-js type). */
export interface WalletCallMetadata {
  description: string;
  transactionType: string;
  [field: string]: string;
}

export interface WalletCall {
  to?: string;
  data?: string;
  value?: string;
  gas?: string;
  metadata?: WalletCallMetadata;
}

export interface WalletSendCallsContent {
  type: 'walletSendCalls';
  version: string;
  chainId: string;
  from: string;
  calls: WalletCall[];
  capabilities?: Record<string, string>;
}

export interface MetadataFieldChange {
  fieldName: string;
  oldValue?: string;
  newValue?: string;
}

/** What a commit changed; libxmtp derives it on receipt and stores it as a local message. */
export interface GroupUpdatedContent {
  type: 'groupUpdated';
  initiatedByInboxId: string;
  addedInboxes: string[];
  removedInboxes: string[];
  leftInboxes: string[];
  metadataFieldChanges: MetadataFieldChange[];
  addedAdminInboxes: string[];
  removedAdminInboxes: string[];
  addedSuperAdminInboxes: string[];
  removedSuperAdminInboxes: string[];
}

/** A type we do not know, or a known type whose payload did not decode: show the fallback. */
export interface UnknownContent {
  type: 'unknown';
  /** `authority/type:major.minor`. */
  contentType: string;
  fallback?: string;
}

/** Everything Parley can encode. */
export type KnownContent =
  | TextContent
  | MarkdownContent
  | ReactionContent
  | ReplyContent
  | ReadReceiptContent
  | AttachmentContent
  | RemoteAttachmentContent
  | TransactionReferenceContent
  | WalletSendCallsContent
  | GroupUpdatedContent;

export type Content = KnownContent | UnknownContent;

export type ContentKind = KnownContent['type'];

/** What a dApp may send: no group updates (only commits make those) and nothing unknown. */
export type SendableContent = Exclude<KnownContent, GroupUpdatedContent>;
