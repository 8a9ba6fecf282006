import type { WalletCall, WalletCallMetadata, WalletSendCallsContent } from '../content';
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
  stringRecord,
  type JsonObject,
} from './wire';

const WHAT = 'walletSendCalls';
const CALL_FIELDS = ['to', 'data', 'value', 'gas'] as const;

/** The JSON body, in libxmtp's serde field order, so the fallback matches its text. */
function walletSendCallsJson(content: WalletSendCallsContent): string {
  const calls = content.calls.map((call) => {
    const out: Record<string, unknown> = {};
    for (const key of CALL_FIELDS) {
      const value = call[key];
      if (value !== undefined) out[key] = value;
    }
    if (call.metadata !== undefined) {
      const { description, transactionType, ...extra } = call.metadata;
      out.metadata = { description, transactionType, ...extra };
    }
    return out;
  });
  const json: Record<string, unknown> = {
    version: content.version,
    chainId: content.chainId,
    from: content.from,
    calls,
  };
  if (content.capabilities !== undefined) json.capabilities = content.capabilities;
  return JSON.stringify(json);
}

/** libxmtp wallet_send_calls.rs WalletSendCallsCodec::fallback. */
export function walletSendCallsFallback(content: WalletSendCallsContent): string {
  return `[Transaction request generated]: ${walletSendCallsJson(content)}`;
}

export function encodeWalletSendCalls(content: WalletSendCallsContent): EncodedContent {
  const json = walletSendCallsJson(content);
  return {
    type: { ...ContentTypes.walletSendCalls },
    parameters: {},
    fallback: `[Transaction request generated]: ${json}`,
    content: encodeUtf8(json),
  };
}

function metadataOf(value: unknown): WalletCallMetadata {
  if (!isJsonObject(value)) throw malformed(WHAT);
  const extra = stringRecord(value, WHAT, ['description', 'transactionType']);
  return {
    ...extra,
    description: requiredString(value, 'description', WHAT),
    transactionType: requiredString(value, 'transactionType', WHAT),
  };
}

function callOf(value: unknown): WalletCall {
  if (!isJsonObject(value)) throw malformed(WHAT);
  const call: WalletCall = {};
  for (const key of CALL_FIELDS) {
    const v = optionalString(value, key, WHAT);
    if (v !== undefined) call[key] = v;
  }
  const metadata = field(value, 'metadata');
  if (metadata !== undefined && metadata !== null) call.metadata = metadataOf(metadata);
  return call;
}

export function decodeWalletSendCalls(encoded: EncodedContent): WalletSendCallsContent {
  const json: JsonObject = parseJsonObject(encoded.content, WHAT);
  const calls = field(json, 'calls');
  if (!Array.isArray(calls)) throw malformed(WHAT);
  const out: WalletSendCallsContent = {
    type: 'walletSendCalls',
    version: requiredString(json, 'version', WHAT),
    chainId: requiredString(json, 'chainId', WHAT),
    from: requiredString(json, 'from', WHAT),
    calls: calls.map(callOf),
  };
  const capabilities = field(json, 'capabilities');
  if (capabilities !== undefined && capabilities !== null) out.capabilities = stringRecord(capabilities, WHAT);
  return out;
}
