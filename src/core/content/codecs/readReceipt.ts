import type { ReadReceiptContent } from '../content';
import { ContentTypes } from '../contentTypeId';
import type { EncodedContent } from '../encodedContent';

/** libxmtp read_receipt.rs: no parameters, no fallback, empty content. */
export function encodeReadReceipt(_content: ReadReceiptContent): EncodedContent {
  return { type: { ...ContentTypes.readReceipt }, parameters: {}, content: new Uint8Array(0) };
}

/** The body carries nothing; libxmtp ignores whatever is there. */
export function decodeReadReceipt(_encoded: EncodedContent): ReadReceiptContent {
  return { type: 'readReceipt' };
}
