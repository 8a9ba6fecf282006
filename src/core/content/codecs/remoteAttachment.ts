import type { RemoteAttachmentContent } from '../content';
import { ContentTypes } from '../contentTypeId';
import { parameter, type EncodedContent } from '../encodedContent';
import { decodeUtf8, encodeUtf8, invalid, isHex, malformed, normaliseHex } from './wire';

const U32_MAX = 0xffff_ffff;

/** libxmtp remote_attachment.rs RemoteAttachmentCodec::fallback. */
export function remoteAttachmentFallback(content: RemoteAttachmentContent): string {
  return `Can't display ${content.filename ?? 'this content'}. This app doesn't support remote attachments.`;
}

/** The URL is the body; keys travel as hex parameters (libxmtp remote_attachment.rs). */
export function encodeRemoteAttachment(content: RemoteAttachmentContent): EncodedContent {
  for (const key of ['secret', 'salt', 'nonce'] as const) {
    if (!isHex(content[key])) throw invalid('remote attachment', `${key} is not hex`);
  }
  const parameters: Record<string, string> = {
    contentDigest: content.contentDigest,
    salt: content.salt.toLowerCase(),
    nonce: content.nonce.toLowerCase(),
    secret: content.secret.toLowerCase(),
    scheme: content.scheme,
  };
  if (content.contentLength !== undefined) parameters.contentLength = String(content.contentLength);
  if (content.filename !== undefined) parameters.filename = content.filename;
  return {
    type: { ...ContentTypes.remoteStaticAttachment },
    parameters,
    fallback: remoteAttachmentFallback(content),
    content: encodeUtf8(content.url),
  };
}

function contentLengthOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // libxmtp parses a u32.
  if (!/^[0-9]{1,10}$/.test(raw)) throw malformed('remote attachment');
  const value = Number(raw);
  if (value > U32_MAX) throw malformed('remote attachment');
  return value;
}

/** Missing string parameters read as "" and missing hex as no bytes, as libxmtp reads them. */
export function decodeRemoteAttachment(encoded: EncodedContent): RemoteAttachmentContent {
  const what = 'remote attachment';
  const out: RemoteAttachmentContent = {
    type: 'remoteStaticAttachment',
    url: decodeUtf8(encoded.content, what),
    contentDigest: parameter(encoded, 'contentDigest') ?? '',
    secret: normaliseHex(parameter(encoded, 'secret') ?? '', what),
    salt: normaliseHex(parameter(encoded, 'salt') ?? '', what),
    nonce: normaliseHex(parameter(encoded, 'nonce') ?? '', what),
    scheme: parameter(encoded, 'scheme') ?? '',
  };
  const contentLength = contentLengthOf(parameter(encoded, 'contentLength'));
  if (contentLength !== undefined) out.contentLength = contentLength;
  const filename = parameter(encoded, 'filename');
  if (filename !== undefined) out.filename = filename;
  return out;
}
