import type { SendableContent } from '../../core/content/content';
import { parseContent } from '../../core/content/parseContent';
import { ParleyError, type ErrorCode } from '../../core/errors';
import { isEthereumAddress } from '../../core/identity/inboxId';
import { isInboxId } from '../../core/mls/credential';
import { checkedAction, type GroupAction } from '../commands/group';
import { jsonLine } from '../jsonLine';

/*
 * What a CLI command asks a running `parley listen` over its socket: one JSON line each way
 * per connection. Both ends decode what they read with the functions below; anything else is
 * Agent.BadRequest, so a confused or hostile peer on the socket gets an error, never a throw.
 */

export const PROTOCOL_VERSION = 1;
/** Longest line either end reads: a request carries one message (a 1 MiB attachment is 1.4 MiB of base64), an answer the conversation list. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
const MAX_LINES = 100_000;
const I64_MAX = (1n << 63n) - 1n;

export type ListenerRequest =
  | { v: 1; command: 'send'; to: string; content: SendableContent; idempotencyKeyNs: string }
  | { v: 1; command: 'conversations' }
  | { v: 1; command: 'hmacKeys' }
  | { v: 1; command: 'updateKeys'; conversationId: string }
  | { v: 1; command: 'group'; action: GroupAction };

/** A conversation id as the CLI prints it: the hex MLS group id. */
export function isConversationId(value: string): boolean {
  return /^(?:[0-9a-f]{2}){1,64}$/.test(value);
}

export type ListenerResponse =
  | { v: 1; ok: true; lines: Record<string, unknown>[] }
  | { v: 1; ok: false; error: { code: ErrorCode; message: string; details?: string } };

function bad(details: string): ParleyError {
  return new ParleyError('Agent.BadRequest', 'The listener socket carried a malformed line.', { details });
}

function parseObject(line: string): Record<string, unknown> {
  if (line.length > MAX_LINE_BYTES) throw bad('line too long');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object');
  const object = value as Record<string, unknown>;
  if (object['v'] !== PROTOCOL_VERSION) throw bad(`version ${JSON.stringify(object['v'])?.slice(0, 20)}, not ${PROTOCOL_VERSION}`);
  return object;
}

function keysAre(object: Record<string, unknown>, keys: readonly string[]): void {
  const extra = Object.keys(object).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw bad(`unknown field ${JSON.stringify(extra[0]?.slice(0, 40))}`);
}

/** A conversation id as the CLI takes it: lowercase hex, not the 64 digits of an inbox id. */
export function isConversationIdArg(value: string): boolean {
  return isConversationId(value) && value.length !== 64;
}

/** A decimal nanosecond time that fits libxmtp's i64 idempotency key. */
export function isIdempotencyKeyNs(value: string): boolean {
  return /^(?:0|[1-9][0-9]{0,18})$/.test(value) && BigInt(value) <= I64_MAX;
}

export function encodeRequest(request: ListenerRequest): string {
  return `${JSON.stringify(request)}\n`;
}

export function decodeRequest(line: string): ListenerRequest {
  const o = parseObject(line);
  switch (o['command']) {
    case 'send': {
      keysAre(o, ['v', 'command', 'to', 'content', 'idempotencyKeyNs']);
      const { to, idempotencyKeyNs } = o;
      if (typeof to !== 'string' || (!isEthereumAddress(to) && !isInboxId(to) && !isConversationIdArg(to))) throw bad('`to` is not an address, inbox id or conversation id');
      if (typeof idempotencyKeyNs !== 'string' || !isIdempotencyKeyNs(idempotencyKeyNs)) throw bad('`idempotencyKeyNs` is not a decimal i64');
      let content: SendableContent;
      try {
        // The same checks as a dApp's content: type, fields and sizes.
        content = parseContent(o['content']);
      } catch (e) {
        throw bad(`\`content\`: ${e instanceof ParleyError ? (e.details ?? e.shortMessage) : String(e)}`);
      }
      return { v: 1, command: 'send', to, content, idempotencyKeyNs };
    }
    case 'conversations':
      keysAre(o, ['v', 'command']);
      return { v: 1, command: 'conversations' };
    case 'hmacKeys':
      keysAre(o, ['v', 'command']);
      return { v: 1, command: 'hmacKeys' };
    case 'updateKeys': {
      keysAre(o, ['v', 'command', 'conversationId']);
      const { conversationId } = o;
      if (typeof conversationId !== 'string' || !isConversationId(conversationId)) throw bad('`conversationId` is not a hex group id');
      return { v: 1, command: 'updateKeys', conversationId };
    }
    case 'group': {
      keysAre(o, ['v', 'command', 'action']);
      const action = o['action'];
      if (typeof action !== 'object' || action === null || Array.isArray(action)) throw bad('`action` is not an object');
      try {
        return { v: 1, command: 'group', action: checkedAction(action as Record<string, unknown>) };
      } catch (e) {
        throw bad(`group action: ${e instanceof ParleyError ? (e.details ?? e.shortMessage) : String(e)}`);
      }
    }
    default:
      throw bad(`unknown command ${JSON.stringify(o['command'])?.slice(0, 40)}`);
  }
}

/** Bigints in lines (nanosecond times) travel as decimal strings, as the command prints them. */
export function encodeResponse(response: ListenerResponse): string {
  return jsonLine(response);
}

const ERROR_CODE = /^[A-Z][A-Za-z]{0,30}\.[A-Z][A-Za-z]{0,40}$/;

export function decodeResponse(line: string): ListenerResponse {
  const o = parseObject(line);
  if (o['ok'] === true) {
    keysAre(o, ['v', 'ok', 'lines']);
    const lines = o['lines'];
    if (!Array.isArray(lines) || lines.length > MAX_LINES) throw bad('`lines` is not an array within the cap');
    for (const l of lines) if (typeof l !== 'object' || l === null || Array.isArray(l)) throw bad('a line is not an object');
    return { v: 1, ok: true, lines: lines as Record<string, unknown>[] };
  }
  if (o['ok'] === false) {
    keysAre(o, ['v', 'ok', 'error']);
    const e = o['error'];
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw bad('`error` is not an object');
    const { code, message, details } = e as Record<string, unknown>;
    keysAre({ v: 1, ...e } as Record<string, unknown>, ['v', 'code', 'message', 'details']);
    if (typeof code !== 'string' || !ERROR_CODE.test(code)) throw bad('`error.code` is not an error code');
    if (typeof message !== 'string' || message.length > 1000) throw bad('`error.message` is not a short string');
    if (details !== undefined && (typeof details !== 'string' || details.length > 4000)) throw bad('`error.details` is not a short string');
    // The code comes from the same build's closed union on the other end of an owner-only socket.
    const error: { code: ErrorCode; message: string; details?: string } = { code: code as ErrorCode, message };
    if (details !== undefined) error.details = details;
    return { v: 1, ok: false, error };
  }
  throw bad('`ok` is neither true nor false');
}
