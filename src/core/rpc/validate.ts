import { parseContent } from '../content';
import { ParleyError } from '../errors';
import { isEthereumAddress } from '../identity/inboxId';
import type { JsonObject as Obj } from './paramReaders';
import { field as get, invalid as fail, isAbsent, object, string } from './paramReaders';
import { PERMISSION_METADATA_FIELDS, PERMISSION_OPTIONS, PERMISSION_UPDATE_TYPES, POLICY_PRESETS } from '../mls/policyUpdate';
import type { AccessScope, GroupPermissionsParams, PermissionOption, RpcMethod, RpcParams } from './schema';
import { isRpcMethod } from './schema';

/*
 * One validator per method. Params come from a web page: untrusted JSON. Each validator reads
 * only the fields it knows (own properties), checks type and size before anything is kept,
 * and returns a fresh object; every failure is `Rpc.InvalidParams` naming the field.
 */

/** Members of one group in XMTP (DESIGN §3: 250 members). */
export const MAX_IDENTIFIERS = 250;
/** XMTP group ids are 16 random bytes; a peer could make a longer one, never this long. */
export const MAX_CONVERSATION_ID_HEX = 256;
export const MAX_MESSAGES_PER_PAGE = 1000;
/** Parley's caps for group metadata a dApp may set. */
export const MAX_GROUP_NAME_CHARS = 100;
export const MAX_GROUP_DESCRIPTION_CHARS = 1000;
export const MAX_IMAGE_URL_CHARS = 2048;

/** Methods without params accept none, `{}` or `[]` (what EIP-1193 libraries send). */
function noParams(value: unknown): undefined {
  if (isAbsent(value)) return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return undefined;
  return fail('params', 'this method takes no params');
}

/** Params may be absent when every field is optional. */
function optionalObject(value: unknown): Obj {
  return isAbsent(value) ? {} : object(value);
}

const HEX = /^[0-9a-f]+$/;
const DECIMAL_U64 = /^(0|[1-9][0-9]{0,19})$/;
const U64_MAX = (1n << 64n) - 1n;

/** An identifier is a 0x address; ENS needs a resolver, which Parley does not configure yet. */
function identifier(value: unknown, path: string): string {
  const s = string(value, path, 42);
  if (!isEthereumAddress(s)) fail(path, 'expected a 0x address (40 hex digits)');
  return s.toLowerCase();
}

function identifiers(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'expected an array');
  if (value.length > MAX_IDENTIFIERS) fail(path, `more than ${MAX_IDENTIFIERS} identifiers`);
  const out = value.map((v, i) => identifier(v, `${path}[${i}]`));
  return [...new Set(out)];
}

function conversationId(value: unknown, path = 'params.conversationId'): string {
  const s = string(value, path, MAX_CONVERSATION_ID_HEX);
  if (s.length === 0 || s.length % 2 !== 0 || !HEX.test(s)) fail(path, 'expected lowercase hex');
  return s;
}

function optionalText(obj: Obj, key: string, maxChars: number): { [k: string]: string } {
  const value = get(obj, key);
  return isAbsent(value) ? {} : { [key]: string(value, `params.${key}`, maxChars) };
}

function groupMetadata(obj: Obj): { name?: string; description?: string; imageUrl?: string } {
  return {
    ...optionalText(obj, 'name', MAX_GROUP_NAME_CHARS),
    ...optionalText(obj, 'description', MAX_GROUP_DESCRIPTION_CHARS),
    ...optionalText(obj, 'imageUrl', MAX_IMAGE_URL_CHARS),
  };
}

function scope(value: unknown): { scope?: AccessScope } {
  if (isAbsent(value)) return {};
  if (value !== 'site' && value !== 'inbox') fail('params.scope', 'expected "site" or "inbox"');
  return { scope: value };
}

export type ParamsValidators = { [M in RpcMethod]: (params: unknown) => RpcParams<M> };

export const validateParams: ParamsValidators = {
  xmtp_requestAccess: (p) => scope(get(optionalObject(p), 'scope')),
  xmtp_getAccess: noParams,
  xmtp_revokeAccess: noParams,
  xmtp_getInbox: noParams,
  xmtp_canMessage: (p) => ({ identifiers: identifiers(get(object(p), 'identifiers'), 'params.identifiers') }),
  xmtp_listConversations: (p) => {
    const kind = get(optionalObject(p), 'kind');
    if (isAbsent(kind)) return {};
    if (kind !== 'dm' && kind !== 'group') fail('params.kind', 'expected "dm" or "group"');
    return { kind };
  },
  xmtp_createDm: (p) => ({ identifier: identifier(get(object(p), 'identifier'), 'params.identifier') }),
  xmtp_createGroup: (p) => {
    const obj = object(p);
    const out: RpcParams<'xmtp_createGroup'> = { identifiers: identifiers(get(obj, 'identifiers'), 'params.identifiers'), ...groupMetadata(obj) };
    const permissions = get(obj, 'permissions');
    if (!isAbsent(permissions)) out.permissions = groupPermissions(permissions);
    return out;
  },
  xmtp_getMessages: (p) => {
    const obj = object(p);
    const out: RpcParams<'xmtp_getMessages'> = { conversationId: conversationId(get(obj, 'conversationId')) };
    const limit = get(obj, 'limit');
    if (!isAbsent(limit)) {
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_MESSAGES_PER_PAGE) {
        fail('params.limit', `expected an integer from 1 to ${MAX_MESSAGES_PER_PAGE}`);
      }
      out.limit = limit;
    }
    const beforeNs = get(obj, 'beforeNs');
    if (!isAbsent(beforeNs)) {
      const s = string(beforeNs, 'params.beforeNs', 20);
      if (!DECIMAL_U64.test(s) || BigInt(s) > U64_MAX) fail('params.beforeNs', 'expected a decimal u64 string');
      out.beforeNs = s;
    }
    return out;
  },
  xmtp_sendMessage: (p) => {
    const obj = object(p);
    const id = conversationId(get(obj, 'conversationId'));
    try {
      return { conversationId: id, content: parseContent(get(obj, 'content')) };
    } catch (e) {
      // Content.Invalid already names the field; the dApp sees one code for bad params.
      if (e instanceof ParleyError) fail('params.content', e.details ?? e.shortMessage);
      throw e;
    }
  },
  xmtp_updateGroup: (p) => {
    const obj = object(p);
    const meta = groupMetadata(obj);
    if (Object.keys(meta).length === 0) fail('params', 'nothing to update: give name, description or imageUrl');
    return { conversationId: conversationId(get(obj, 'conversationId')), ...meta };
  },
  xmtp_addMembers: (p) => membership(p),
  xmtp_removeMembers: (p) => membership(p),
  xmtp_setConsent: (p) => {
    const obj = object(p);
    const state = get(obj, 'state');
    if (state !== 'allowed' && state !== 'denied') fail('params.state', 'expected "allowed" or "denied"');
    return { conversationId: conversationId(get(obj, 'conversationId')), state };
  },
  xmtp_hmacKeys: (p) => {
    const id = get(optionalObject(p), 'conversationId');
    return isAbsent(id) ? {} : { conversationId: conversationId(id) };
  },
  xmtp_updateKeys: (p) => ({ conversationId: conversationId(get(object(p), 'conversationId')) }),
  xmtp_groupPermissions: (p) => ({ conversationId: conversationId(get(object(p), 'conversationId')) }),
  xmtp_addAdmin: roleParams,
  xmtp_removeAdmin: roleParams,
  xmtp_addSuperAdmin: roleParams,
  xmtp_removeSuperAdmin: roleParams,
  xmtp_updatePermission: (p) => {
    const obj = object(p);
    const update = oneOf(PERMISSION_UPDATE_TYPES, get(obj, 'update'), 'params.update');
    const out: RpcParams<'xmtp_updatePermission'> = {
      conversationId: conversationId(get(obj, 'conversationId')),
      update,
      option: oneOf(PERMISSION_OPTIONS, get(obj, 'option'), 'params.option'),
    };
    const field = get(obj, 'field');
    if (update === 'updateMetadata') out.field = metadataField(field, 'params.field');
    else if (!isAbsent(field)) fail('params.field', 'only an updateMetadata change names a field');
    return out;
  },
};

function roleParams(p: unknown): { conversationId: string; inboxId: string } {
  const obj = object(p);
  return { conversationId: conversationId(get(obj, 'conversationId')), inboxId: inboxId(get(obj, 'inboxId'), 'params.inboxId') };
}

/** An XMTP inbox id: 64 lowercase hex digits (sha256). */
function inboxId(value: unknown, path: string): string {
  const s = string(value, path, 64);
  if (s.length !== 64 || !HEX.test(s)) fail(path, 'expected an inbox id (64 lowercase hex digits)');
  return s;
}

function oneOf<T extends string>(values: readonly T[], value: unknown, path: string): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) fail(path, `expected one of ${values.map((v) => `"${v}"`).join(', ')}`);
  return value as T;
}

function metadataField(value: unknown, path: string): string {
  return oneOf(PERMISSION_METADATA_FIELDS, value, path);
}

function groupPermissions(value: unknown): GroupPermissionsParams {
  if (typeof value === 'string') return oneOf(POLICY_PRESETS, value, 'params.permissions');
  const obj = object(value, 'params.permissions');
  const out: Exclude<GroupPermissionsParams, string> = {};
  for (const key of ['addMember', 'removeMember', 'addAdmin', 'removeAdmin'] as const) {
    const option = get(obj, key);
    if (!isAbsent(option)) out[key] = oneOf(PERMISSION_OPTIONS, option, `params.permissions.${key}`);
  }
  const metadata = get(obj, 'updateMetadata');
  if (!isAbsent(metadata)) {
    const fields = object(metadata, 'params.permissions.updateMetadata');
    const entries: Record<string, PermissionOption> = {};
    for (const key of Object.keys(fields)) {
      entries[metadataField(key, `params.permissions.updateMetadata key`)] = oneOf(PERMISSION_OPTIONS, get(fields, key), `params.permissions.updateMetadata.${key}`);
    }
    out.updateMetadata = entries;
  }
  return out;
}

function membership(p: unknown): { conversationId: string; identifiers: string[] } {
  const obj = object(p);
  const ids = identifiers(get(obj, 'identifiers'), 'params.identifiers');
  if (ids.length === 0) fail('params.identifiers', 'must not be empty');
  return { conversationId: conversationId(get(obj, 'conversationId')), identifiers: ids };
}

/** A request checked end to end: a known method and its params. */
export type ValidRequest = { [M in RpcMethod]: { method: M; params: RpcParams<M> } }[RpcMethod];

export function validateRequest(method: unknown, params: unknown): ValidRequest {
  if (!isRpcMethod(method)) {
    throw new ParleyError('Rpc.UnsupportedMethod', 'The method does not exist or is not available.', {
      details: typeof method === 'string' ? method.slice(0, 64) : typeof method,
    });
  }
  // The validator's return type is tied to its key; TypeScript cannot follow that through a union.
  return { method, params: (validateParams[method] as (p: unknown) => unknown)(params) } as ValidRequest;
}
