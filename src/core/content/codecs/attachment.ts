import { base64 } from '@scure/base';
import type { AttachmentContent } from '../content';
import { ContentTypes } from '../contentTypeId';
import { parameter, type EncodedContent } from '../encodedContent';
import { invalid } from './wire';

/** libxmtp attachment.rs AttachmentCodec::fallback. */
export function attachmentFallback(content: AttachmentContent): string {
  return `Can't display ${content.filename ?? 'this content'}. This app doesn't support attachments.`;
}

export function encodeAttachment(content: AttachmentContent): EncodedContent {
  let data: Uint8Array;
  try {
    data = base64.decode(content.data);
  } catch {
    throw invalid('attachment', 'data is not base64');
  }
  const parameters: Record<string, string> = { mimeType: content.mimeType };
  if (content.filename !== undefined) parameters.filename = content.filename;
  return { type: { ...ContentTypes.attachment }, parameters, fallback: attachmentFallback(content), content: data };
}

/** libxmtp reads a missing mimeType as "" and a missing filename as none. */
export function decodeAttachment(encoded: EncodedContent): AttachmentContent {
  const out: AttachmentContent = {
    type: 'attachment',
    mimeType: parameter(encoded, 'mimeType') ?? '',
    data: base64.encode(encoded.content),
  };
  const filename = parameter(encoded, 'filename');
  if (filename !== undefined) out.filename = filename;
  return out;
}
