import type { TransactionMetadata, TransactionReferenceContent } from '../content';
import { ContentTypes } from '../contentTypeId';
import type { EncodedContent } from '../encodedContent';
import {
  encodeUtf8,
  field,
  isJsonObject,
  malformed,
  optionalString,
  parseJsonObject,
  requiredString,
  type JsonObject,
} from './wire';

const WHAT = 'transaction reference';
const U32_MAX = 0xffff_ffff;

/** libxmtp transaction_reference.rs TransactionReferenceCodec::fallback. */
export function transactionReferenceFallback(content: TransactionReferenceContent): string {
  return content.reference
    ? `[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: ${content.reference}`
    : 'Crypto transaction';
}

/** JSON with libxmtp's field order (serde struct order): namespace, networkId, reference, metadata. */
export function encodeTransactionReference(content: TransactionReferenceContent): EncodedContent {
  const json: Record<string, unknown> = {};
  if (content.namespace !== undefined) json.namespace = content.namespace;
  json.networkId = content.networkId;
  json.reference = content.reference;
  if (content.metadata !== undefined) {
    const m = content.metadata;
    json.metadata = {
      transactionType: m.transactionType,
      currency: m.currency,
      amount: m.amount,
      decimals: m.decimals,
      fromAddress: m.fromAddress,
      toAddress: m.toAddress,
    };
  }
  return {
    type: { ...ContentTypes.transactionReference },
    parameters: {},
    fallback: transactionReferenceFallback(content),
    content: encodeUtf8(JSON.stringify(json)),
  };
}

function metadataOf(value: JsonObject): TransactionMetadata {
  const amount = field(value, 'amount');
  const decimals = field(value, 'decimals');
  if (typeof amount !== 'number' || !Number.isFinite(amount)) throw malformed(WHAT);
  if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > U32_MAX) {
    throw malformed(WHAT);
  }
  return {
    transactionType: requiredString(value, 'transactionType', WHAT),
    currency: requiredString(value, 'currency', WHAT),
    amount,
    decimals,
    fromAddress: requiredString(value, 'fromAddress', WHAT),
    toAddress: requiredString(value, 'toAddress', WHAT),
  };
}

/** libxmtp accepts networkId as a JSON string or number (deserialize_network_id). */
export function decodeTransactionReference(encoded: EncodedContent): TransactionReferenceContent {
  const json = parseJsonObject(encoded.content, WHAT);
  const networkId = field(json, 'networkId');
  if (typeof networkId !== 'string' && (typeof networkId !== 'number' || !Number.isFinite(networkId))) {
    throw malformed(WHAT);
  }
  const out: TransactionReferenceContent = {
    type: 'transactionReference',
    networkId,
    reference: requiredString(json, 'reference', WHAT),
  };
  const namespace = optionalString(json, 'namespace', WHAT);
  if (namespace !== undefined) out.namespace = namespace;
  const metadata = field(json, 'metadata');
  if (metadata !== undefined && metadata !== null) {
    if (!isJsonObject(metadata)) throw malformed(WHAT);
    out.metadata = metadataOf(metadata);
  }
  return out;
}
