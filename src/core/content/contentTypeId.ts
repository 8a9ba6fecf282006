import type { ContentTypeId } from '@xmtp/proto/mls/message_contents/content.pb';

export type { ContentTypeId };

/** Every standard type lives under this authority (libxmtp crates/xmtp_content_types). */
export const XMTP_AUTHORITY = 'xmtp.org';

function standard(typeId: string, versionMajor: number): ContentTypeId {
  return { authorityId: XMTP_AUTHORITY, typeId, versionMajor, versionMinor: 0 };
}

/** The ids Parley writes, as libxmtp v1.10.0's codecs write them (TYPE_ID, MAJOR_VERSION). */
export const ContentTypes = {
  text: standard('text', 1),
  markdown: standard('markdown', 1),
  reaction: standard('reaction', 2),
  reply: standard('reply', 1),
  readReceipt: standard('readReceipt', 1),
  attachment: standard('attachment', 1),
  remoteStaticAttachment: standard('remoteStaticAttachment', 1),
  transactionReference: standard('transactionReference', 1),
  walletSendCalls: standard('walletSendCalls', 1),
  groupUpdated: standard('group_updated', 1),
} as const satisfies Record<string, ContentTypeId>;

/** `authority/type:major.minor`, the form XMTP SDKs print and the reply codec's `contentType` parameter. */
export function contentTypeIdToString(id: ContentTypeId): string {
  return `${id.authorityId}/${id.typeId}:${id.versionMajor}.${id.versionMinor}`;
}

/**
 * Codecs match on authority, type and major version; the minor version is a compatible
 * revision (xmtp-js ContentTypeId.sameAs; libxmtp decoded_message.rs matches type and major).
 */
export function sameContentType(a: ContentTypeId, b: ContentTypeId): boolean {
  return a.authorityId === b.authorityId && a.typeId === b.typeId && a.versionMajor === b.versionMajor;
}
