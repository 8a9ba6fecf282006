import { base64 } from '@scure/base';
import { ParleyError } from '../errors';
import type {
  AttachmentContent,
  ReactionContent,
  ReactionSchema,
  RemoteAttachmentContent,
  ReplyContent,
  SendableContent,
  TransactionMetadata,
  TransactionReferenceContent,
  WalletCall,
  WalletCallMetadata,
  WalletSendCallsContent,
} from './content';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_FIELD_CHARS,
  MAX_RECORD_ENTRIES,
  MAX_TEXT_BYTES,
  MAX_WALLET_CALLS,
} from './limits';

/*
 * A dApp's content is untrusted JSON (DESIGN §5): every field is type-checked and
 * size-capped before anything is allocated for it, and only the fields we know are copied
 * into a fresh object. Every failure is `Content.Invalid` naming the field.
 */

type Obj = { readonly [key: string]: unknown };

function fail(path: string, problem: string): never {
  throw new ParleyError('Content.Invalid', 'The message content is not valid.', { details: `${path}: ${problem}` });
}

function asObject(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object');
  return value as Obj;
}

/** Own properties only: "toString" or "__proto__" never read through the prototype. */
function get(obj: Obj, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

// A lone surrogate cannot be encoded as UTF-8; TextEncoder would silently replace it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface StringRules {
  maxChars?: number;
  nonEmpty?: boolean;
  pattern?: RegExp;
}

function str(value: unknown, path: string, rules: StringRules = {}): string {
  if (typeof value !== 'string') fail(path, 'expected a string');
  const maxChars = rules.maxChars ?? MAX_FIELD_CHARS;
  if (value.length > maxChars) fail(path, `longer than ${maxChars} characters`);
  if (rules.nonEmpty && value.length === 0) fail(path, 'must not be empty');
  if (LONE_SURROGATE.test(value)) fail(path, 'not valid Unicode');
  if (rules.pattern && !rules.pattern.test(value)) fail(path, 'wrong format');
  return value;
}

/** JSON has no undefined: null also means "not given". */
function optional<T>(value: unknown, read: (v: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value);
}

/** A UTF-16 unit is at least one UTF-8 byte, so the length check comes before any encoding. */
function utf8Text(value: unknown, path: string): string {
  const text = str(value, path, { maxChars: MAX_TEXT_BYTES });
  if (new TextEncoder().encode(text).length > MAX_TEXT_BYTES) fail(path, `more than ${MAX_TEXT_BYTES} UTF-8 bytes`);
  return text;
}

function uint(value: unknown, path: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    fail(path, `expected an integer from 0 to ${max}`);
  }
  return value;
}

function stringMap(value: unknown, path: string, skip: readonly string[] = []): Record<string, string> {
  const obj = asObject(value, path);
  const keys = Object.keys(obj);
  if (keys.length > MAX_RECORD_ENTRIES) fail(path, `more than ${MAX_RECORD_ENTRIES} entries`);
  const entries: [string, string][] = [];
  for (const key of keys) {
    if (skip.includes(key)) continue;
    str(key, `${path} key`);
    entries.push([key, str(obj[key], `${path}.${key}`)]);
  }
  return Object.fromEntries(entries);
}

const REACTION_SCHEMAS: readonly ReactionSchema[] = ['unicode', 'shortcode', 'custom'];

function reaction(obj: Obj): ReactionContent {
  const action = get(obj, 'action');
  if (action !== 'added' && action !== 'removed') fail('action', 'expected "added" or "removed"');
  const schema = optional(get(obj, 'schema'), (v) => {
    if (!REACTION_SCHEMAS.includes(v as ReactionSchema)) fail('schema', 'expected unicode, shortcode or custom');
    return v as ReactionSchema;
  });
  const out: ReactionContent = {
    type: 'reaction',
    reference: str(get(obj, 'reference'), 'reference', { nonEmpty: true }),
    action,
    schema: schema ?? 'unicode',
    content: str(get(obj, 'content'), 'content', { nonEmpty: true }),
  };
  const referenceInboxId = optional(get(obj, 'referenceInboxId'), (v) => str(v, 'referenceInboxId'));
  // Reaction 2.0 cannot tell "" from absent; neither form says anything.
  if (referenceInboxId) out.referenceInboxId = referenceInboxId;
  return out;
}

function reply(obj: Obj): ReplyContent {
  const inner = parseAny(get(obj, 'content'), true);
  const out: ReplyContent = {
    type: 'reply',
    reference: str(get(obj, 'reference'), 'reference', { nonEmpty: true }),
    content: inner,
  };
  const referenceInboxId = optional(get(obj, 'referenceInboxId'), (v) => str(v, 'referenceInboxId'));
  // Reaction 2.0 cannot tell "" from absent; neither form says anything.
  if (referenceInboxId) out.referenceInboxId = referenceInboxId;
  return out;
}

const MAX_BASE64_CHARS = Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4;

function attachment(obj: Obj): AttachmentContent {
  const encoded = str(get(obj, 'data'), 'data', { maxChars: MAX_BASE64_CHARS });
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(encoded);
  } catch {
    fail('data', 'not padded base64');
  }
  if (bytes.length > MAX_ATTACHMENT_BYTES) fail('data', `more than ${MAX_ATTACHMENT_BYTES} bytes`);
  const out: AttachmentContent = {
    type: 'attachment',
    mimeType: str(get(obj, 'mimeType'), 'mimeType', { nonEmpty: true }),
    // Canonical form, so what is stored is exactly what a receiver will decode.
    data: base64.encode(bytes),
  };
  const filename = optional(get(obj, 'filename'), (v) => str(v, 'filename'));
  if (filename !== undefined) out.filename = filename;
  return out;
}

const hexOfBytes = (n: number): RegExp => new RegExp(`^[0-9a-fA-F]{${2 * n}}$`);

/** Sizes as XMTP encrypts remote attachments: 32-byte secret and salt, 12-byte nonce, SHA-256 digest. */
function remoteAttachment(obj: Obj): RemoteAttachmentContent {
  const url = str(get(obj, 'url'), 'url', { pattern: /^https:\/\/\S+$/ });
  if (!URL.canParse(url)) fail('url', 'not a URL');
  const out: RemoteAttachmentContent = {
    type: 'remoteStaticAttachment',
    url,
    contentDigest: str(get(obj, 'contentDigest'), 'contentDigest', { pattern: hexOfBytes(32) }).toLowerCase(),
    secret: str(get(obj, 'secret'), 'secret', { pattern: hexOfBytes(32) }).toLowerCase(),
    salt: str(get(obj, 'salt'), 'salt', { pattern: hexOfBytes(32) }).toLowerCase(),
    nonce: str(get(obj, 'nonce'), 'nonce', { pattern: hexOfBytes(12) }).toLowerCase(),
    scheme: str(get(obj, 'scheme'), 'scheme', { nonEmpty: true }),
  };
  const contentLength = optional(get(obj, 'contentLength'), (v) => uint(v, 'contentLength', 0xffff_ffff));
  if (contentLength !== undefined) out.contentLength = contentLength;
  const filename = optional(get(obj, 'filename'), (v) => str(v, 'filename'));
  if (filename !== undefined) out.filename = filename;
  return out;
}

function transactionMetadata(value: unknown): TransactionMetadata {
  const m = asObject(value, 'metadata');
  const amount = get(m, 'amount');
  if (typeof amount !== 'number' || !Number.isFinite(amount)) fail('metadata.amount', 'expected a finite number');
  return {
    transactionType: str(get(m, 'transactionType'), 'metadata.transactionType'),
    currency: str(get(m, 'currency'), 'metadata.currency'),
    amount,
    decimals: uint(get(m, 'decimals'), 'metadata.decimals', 255),
    fromAddress: str(get(m, 'fromAddress'), 'metadata.fromAddress'),
    toAddress: str(get(m, 'toAddress'), 'metadata.toAddress'),
  };
}

function transactionReference(obj: Obj): TransactionReferenceContent {
  const rawNetworkId = get(obj, 'networkId');
  const networkId =
    typeof rawNetworkId === 'number'
      ? uint(rawNetworkId, 'networkId', Number.MAX_SAFE_INTEGER)
      : str(rawNetworkId, 'networkId', { nonEmpty: true });
  const out: TransactionReferenceContent = {
    type: 'transactionReference',
    networkId,
    reference: str(get(obj, 'reference'), 'reference', { nonEmpty: true }),
  };
  const namespace = optional(get(obj, 'namespace'), (v) => str(v, 'namespace'));
  if (namespace !== undefined) out.namespace = namespace;
  const metadata = optional(get(obj, 'metadata'), transactionMetadata);
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

const CALL_FIELDS = ['to', 'data', 'value', 'gas'] as const;

function walletCall(value: unknown, index: number): WalletCall {
  const path = `calls[${index}]`;
  const obj = asObject(value, path);
  const call: WalletCall = {};
  for (const key of CALL_FIELDS) {
    // Calldata can be long; the rest are addresses and quantities.
    const maxChars = key === 'data' ? MAX_TEXT_BYTES : MAX_FIELD_CHARS;
    const v = optional(get(obj, key), (x) => str(x, `${path}.${key}`, { maxChars }));
    if (v !== undefined) call[key] = v;
  }
  const metadata = optional(get(obj, 'metadata'), (v): WalletCallMetadata => {
    const m = asObject(v, `${path}.metadata`);
    return {
      ...stringMap(m, `${path}.metadata`, ['description', 'transactionType']),
      description: str(get(m, 'description'), `${path}.metadata.description`),
      transactionType: str(get(m, 'transactionType'), `${path}.metadata.transactionType`),
    };
  });
  if (metadata !== undefined) call.metadata = metadata;
  return call;
}

function walletSendCalls(obj: Obj): WalletSendCallsContent {
  const calls = get(obj, 'calls');
  if (!Array.isArray(calls) || calls.length === 0) fail('calls', 'expected a non-empty array');
  if (calls.length > MAX_WALLET_CALLS) fail('calls', `more than ${MAX_WALLET_CALLS} calls`);
  const out: WalletSendCallsContent = {
    type: 'walletSendCalls',
    version: str(get(obj, 'version'), 'version', { nonEmpty: true }),
    chainId: str(get(obj, 'chainId'), 'chainId', { nonEmpty: true }),
    from: str(get(obj, 'from'), 'from', { nonEmpty: true }),
    calls: calls.map(walletCall),
  };
  const capabilities = optional(get(obj, 'capabilities'), (v) => stringMap(v, 'capabilities'));
  if (capabilities !== undefined) out.capabilities = capabilities;
  return out;
}

function parseAny(input: unknown, insideReply: boolean): SendableContent {
  const obj = asObject(input, insideReply ? 'content' : 'message content');
  const type = get(obj, 'type');
  switch (type) {
    case 'text':
      return { type: 'text', text: utf8Text(get(obj, 'text'), 'text') };
    case 'markdown':
      return { type: 'markdown', markdown: utf8Text(get(obj, 'markdown'), 'markdown') };
    case 'reaction':
      return reaction(obj);
    case 'reply':
      // libxmtp resolves one level of reply; deeper nesting would only show a fallback.
      if (insideReply) fail('content.type', 'a reply cannot contain a reply');
      return reply(obj);
    case 'readReceipt':
      return { type: 'readReceipt' };
    case 'attachment':
      return attachment(obj);
    case 'remoteStaticAttachment':
      return remoteAttachment(obj);
    case 'transactionReference':
      return transactionReference(obj);
    case 'walletSendCalls':
      return walletSendCalls(obj);
    default:
      // groupUpdated is written only by the client itself, from a commit.
      return fail('type', 'not a content type a dApp can send');
  }
}

/** Checks a dApp's `content` (DESIGN §4 shapes) and returns a clean copy. */
export function parseContent(input: unknown): SendableContent {
  return parseAny(input, false);
}
