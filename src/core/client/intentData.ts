import { ParleyError } from '../errors';
import {
  ADMIN_LIST_ACTIONS,
  PERMISSION_OPTIONS,
  PERMISSION_UPDATE_TYPES,
  type AdminListAction,
  type PermissionOption,
  type PermissionUpdateType,
} from '../mls/policyUpdate';
import { fromHex, toHex } from './bytes';

/**
 * What an intent asks for, kept so the change can be rebuilt on a newer epoch after a lost commit
 * race (libxmtp groups/intents.rs: the intent data is the request, not the commit).
 */
export type IntentData =
  | { kind: 'sendMessage' }
  | { kind: 'updateMetadata'; field: string; value: string }
  | { kind: 'updateMembership'; addInboxIds: string[]; removeInboxIds: string[] }
  | { kind: 'keyUpdate' }
  | { kind: 'updateAdminList'; action: AdminListAction; inboxId: string }
  | { kind: 'updatePermission'; update: PermissionUpdateType; option: PermissionOption; field?: string };

/** An installation a commit added, to send the welcome to once the commit is accepted. */
export interface WelcomeRecipient {
  installationKey: Uint8Array;
  /** The init key of the key package the commit used: the welcome is wrapped to it without xwingKey. */
  initKey: Uint8Array;
  /** The key package's X-Wing welcome wrapper key (0xff03), when it offers one: the welcome is wrapped to it. */
  xwingKey?: Uint8Array;
}

/** Work left after a commit is accepted (libxmtp PostCommitAction::SendWelcomes). */
export interface PostCommit {
  /** TLS MLSMessage(welcome), or absent for a commit that adds nobody. */
  welcome?: Uint8Array;
  recipients: WelcomeRecipient[];
  /** The node id of the accepted commit (WelcomeMetadata.message_cursor); set on acceptance. */
  messageCursor?: bigint;
  /** The group_updated EncodedContent every member derives from this commit, when it has one. */
  transcript?: Uint8Array;
  /** The commit carries an UpdatePath that replaces our leaf's keys. */
  rotatesLeaf?: boolean;
}

/** Stored intents are ours, but the store may be tampered with or corrupted: cap before parsing. */
export const MAX_INTENT_DATA_BYTES = 1024 * 1024;
export const MAX_POST_COMMIT_BYTES = 32 * 1024 * 1024;
const MAX_LIST = 10_000;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function malformed(what: string, details: string, cause?: unknown): ParleyError {
  return new ParleyError('Codec.Malformed', `The stored ${what} is malformed.`, { details, cause });
}

function parseJson(what: string, bytes: Uint8Array, max: number): unknown {
  if (bytes.length > max) {
    throw new ParleyError('Codec.TooLarge', `The stored ${what} is too large.`, { details: `${bytes.length} bytes` });
  }
  try {
    return JSON.parse(utf8Decoder.decode(bytes)) as unknown;
  } catch (cause) {
    throw malformed(what, 'not UTF-8 JSON', cause);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(what: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length > MAX_LIST || !v.every((s): s is string => typeof s === 'string')) {
    throw malformed(what, 'expected a list of strings');
  }
  return v;
}

function oneOf<T extends string>(values: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}

export function encodeIntentData(data: IntentData): Uint8Array {
  return utf8.encode(JSON.stringify(data));
}

export function decodeIntentData(bytes: Uint8Array): IntentData {
  const v = parseJson('intent data', bytes, MAX_INTENT_DATA_BYTES);
  if (!isObject(v)) throw malformed('intent data', 'not an object');
  switch (v.kind) {
    case 'sendMessage':
      return { kind: 'sendMessage' };
    case 'keyUpdate':
      return { kind: 'keyUpdate' };
    case 'updateMetadata':
      if (typeof v.field !== 'string' || typeof v.value !== 'string') throw malformed('intent data', 'field and value must be strings');
      return { kind: 'updateMetadata', field: v.field, value: v.value };
    case 'updateMembership':
      return {
        kind: 'updateMembership',
        addInboxIds: stringList('intent data', v.addInboxIds),
        removeInboxIds: stringList('intent data', v.removeInboxIds),
      };
    case 'updateAdminList':
      if (!oneOf(ADMIN_LIST_ACTIONS, v.action) || typeof v.inboxId !== 'string') throw malformed('intent data', 'bad admin list update');
      return { kind: 'updateAdminList', action: v.action, inboxId: v.inboxId };
    case 'updatePermission': {
      if (!oneOf(PERMISSION_UPDATE_TYPES, v.update) || !oneOf(PERMISSION_OPTIONS, v.option) || (v.field !== undefined && typeof v.field !== 'string')) {
        throw malformed('intent data', 'bad permission update');
      }
      const data: IntentData = { kind: 'updatePermission', update: v.update, option: v.option };
      if (v.field !== undefined) data.field = v.field;
      return data;
    }
    default:
      throw malformed('intent data', `unknown kind ${JSON.stringify(v.kind)?.slice(0, 40)}`);
  }
}

export function encodePostCommit(post: PostCommit): Uint8Array {
  return utf8.encode(
    JSON.stringify({
      welcome: post.welcome === undefined ? undefined : toHex(post.welcome),
      recipients: post.recipients.map((r) => ({
        installationKey: toHex(r.installationKey),
        initKey: toHex(r.initKey),
        xwingKey: r.xwingKey === undefined ? undefined : toHex(r.xwingKey),
      })),
      messageCursor: post.messageCursor?.toString(),
      transcript: post.transcript === undefined ? undefined : toHex(post.transcript),
      rotatesLeaf: post.rotatesLeaf === true ? true : undefined,
    }),
  );
}

function hexField(v: unknown): Uint8Array {
  if (typeof v !== 'string') throw malformed('post-commit data', 'expected a hex string');
  try {
    return fromHex(v);
  } catch (cause) {
    throw malformed('post-commit data', 'expected a hex string', cause);
  }
}

export function decodePostCommit(bytes: Uint8Array): PostCommit {
  const v = parseJson('post-commit data', bytes, MAX_POST_COMMIT_BYTES);
  if (!isObject(v) || !Array.isArray(v.recipients) || v.recipients.length > MAX_LIST) {
    throw malformed('post-commit data', 'expected an object with recipients');
  }
  const post: PostCommit = {
    recipients: v.recipients.map((r: unknown) => {
      if (!isObject(r)) throw malformed('post-commit data', 'a recipient is not an object');
      const recipient: WelcomeRecipient = { installationKey: hexField(r.installationKey), initKey: hexField(r.initKey) };
      if (r.xwingKey !== undefined) recipient.xwingKey = hexField(r.xwingKey);
      return recipient;
    }),
  };
  if (v.welcome !== undefined) post.welcome = hexField(v.welcome);
  if (v.transcript !== undefined) post.transcript = hexField(v.transcript);
  if (v.rotatesLeaf !== undefined) {
    if (v.rotatesLeaf !== true) throw malformed('post-commit data', 'rotatesLeaf must be true when present');
    post.rotatesLeaf = true;
  }
  if (v.messageCursor !== undefined) {
    if (typeof v.messageCursor !== 'string' || !/^(?:0|[1-9][0-9]{0,19})$/.test(v.messageCursor)) {
      throw malformed('post-commit data', 'the message cursor is not a decimal uint64');
    }
    const cursor = BigInt(v.messageCursor);
    if (cursor >= 1n << 64n) throw malformed('post-commit data', 'the message cursor is not a decimal uint64');
    post.messageCursor = cursor;
  }
  return post;
}
