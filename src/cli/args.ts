import { parseArgs } from 'node:util';
import { ParleyError } from '../core/errors';
import { isEthereumAddress } from '../core/identity/inboxId';
import { isInboxId } from '../core/mls/credential';
import { parseGroupArgs, type GroupAction } from './commands/group';
import { isConversationId, isConversationIdArg, isIdempotencyKeyNs } from './listener/protocol';

export const DEFAULT_API_URL = 'http://localhost:5557';
export const DEFAULT_DATA_DIR = './.parley';

export const USAGE = `Usage: parley <command> [options]

An XMTP agent on the command line: one wallet, one inbox, kept in a data directory.

Commands:
  init                           create a wallet key and its XMTP inbox; prints
                                 {"address","inboxId","installationId"}; with --import-key the
                                 key comes from PARLEY_WALLET_KEY (0x hex) instead
  export-key --out FILE          write the wallet key to a new owner-only file FILE
                                 ({"address","privateKey"}); prints {"address","file"}
  send <to> [text]               send to <to>: a 0x address or a 64-hex inbox id (the DM with
                                 that peer, made when missing) or a conversation id (a DM or a
                                 group this agent is in); prints {"id","conversationId"}.
                                 The text is plain text unless one of these says otherwise:
      --markdown                 the text is markdown
      --reply-to ID              a reply to message ID (the text, or the attachment, inside)
      --react ID                 a reaction to message ID; the text is the emoji
      --attach FILE              an attachment (at most 1 MiB inline; no text)
  listen                         print incoming messages as JSON lines until Ctrl-C
                                 ({"id","conversationId","senderInboxId","senderAddress",
                                 "sentAtNs","contentType","content"}); a restart resumes after
                                 the last message printed. While it runs it serves the other
                                 commands of its data directory (below)
  conversations                  print the conversations as JSON lines
  hmac-keys                      print each conversation's push-filter HMAC keys (previous,
                                 current and next 30-day period), one group a line:
                                 "<topic> <epoch>:<key> …"; with --json as JSON lines
                                 ({"conversationId","groupId","topic","keys":[{"epoch","key"}]})
  update-keys <conversationId>   replace this installation's keys in the conversation now (an
                                 MLS self-update; the agent also does it on a schedule);
                                 prints {"conversationId","epoch"}
  group create <name> <member>…  make a group (members by address or inbox id), you its super
                                 admin; --permissions default|admin_only picks XMTP's preset
  group add|remove <id> <member>…
                                 add or remove members (addresses or inbox ids); prints
                                 {"conversationId","memberInboxIds"}
  group rename <id> <name>       rename the group; prints {"conversationId","name"}
  group members <id>             print the members, a line each ({"inboxId","permissionLevel",
                                 "installationIds"})
  group permissions <id>         print the group's admins, super admins and policies
  group admin add|remove <id> <inboxId>
  group super-admin add|remove <id> <inboxId>
                                 change the admin lists (super admins only, by default)
  group permission <id> <update> <option> [field]
                                 replace one policy (super admins only): update is addMember,
                                 removeMember, addAdmin, removeAdmin or updateMetadata (with a
                                 field: group_name, description, group_image_url_square,
                                 app_data, message_disappear_from_ns, message_disappear_in_ns);
                                 option is allow, deny, admin or superAdmin
                                 create, permissions and the role and policy commands print one
                                 JSON line: the group's {"conversationId","preset",
                                 "adminInboxIds","superAdminInboxIds","policies"}; any change
                                 you lack the right for fails with Group.PermissionDenied
                                 before anything is sent

Options:
  --api-url URL    the node's gRPC-web URL (default ${DEFAULT_API_URL})
  --data-dir DIR   the agent's data directory (default ${DEFAULT_DATA_DIR})
  --json           (hmac-keys) print JSON lines instead of text
  --idempotency-key NS
                   (send) the message's key, a decimal nanosecond time: a send repeated
                   with the same key and text goes out once (default: a fresh one)
  -h, --help       show this help

  --insecure-store (init) keep the wallet key and messages IN CLEAR, protected only by
                   file permissions; every command on such a store warns

Environment:
  PARLEY_WALLET_KEY  (init --import-key) the wallet key to use, 0x and 64 hex digits; read
                     from the environment, never from the command line (which others see)
  PARLEY_PASSPHRASE  encrypts the wallet key and every stored record (scrypt, AES-256-GCM).
                     \`init\` needs it (or --insecure-store); every later command then needs
                     it, except those a running listener serves.

Files: the data directory is kept 0700 and its files 0600; looser modes found are
tightened, with a warning. Another user's directory or files are refused.

A running listener and the other commands:
  \`listen\` holds the store and serves DIR/listen.sock (owner-only: 0600 in a 0700
  directory). \`send\`, \`conversations\`, \`hmac-keys\`, \`update-keys\` and \`group\` hand their request to
  it, so an agent can listen and reply; the listener's process then does the work (no passphrase is needed
  by the caller). With no listener they open the store themselves, waiting while another
  command holds it. A listener that dies mid-request is retried with the same request:
  a send goes out exactly once. A socket file left by a killed listener is removed.

Output is JSON on stdout. Errors go to stderr as "error: <code>: <message>" with exit
code 1; bad arguments exit with code 2 and one line: what was wrong, and this help's name.
`;

export interface GlobalOptions {
  apiUrl: string;
  dataDir: string;
}

export type CliCommand =
  | { name: 'help' }
  | { name: 'init'; options: GlobalOptions; insecureStore: boolean; importKey: boolean }
  | { name: 'export-key'; options: GlobalOptions; out: string }
  | { name: 'send'; options: GlobalOptions; to: string; message: SendMessage; idempotencyKeyNs?: bigint }
  | { name: 'listen'; options: GlobalOptions }
  | { name: 'conversations'; options: GlobalOptions }
  | { name: 'hmac-keys'; options: GlobalOptions; json: boolean }
  | { name: 'update-keys'; options: GlobalOptions; conversationId: string }
  | { name: 'group'; options: GlobalOptions; action: GroupAction };

/** What `send` sends, as the command line says it; send.ts turns it into content. */
export type SendMessage =
  | { kind: 'text'; text: string; markdown: boolean; replyTo?: string }
  | { kind: 'reaction'; emoji: string; reference: string }
  | { kind: 'attachment'; file: string; replyTo?: string };

/** Fewest and most arguments of each command; `group` takes a subcommand and checks its own arguments (parseGroupArgs). */
const ARITY: Record<'init' | 'export-key' | 'send' | 'listen' | 'conversations' | 'hmac-keys' | 'update-keys' | 'group', readonly [number, number]> = {
  init: [0, 0],
  'export-key': [0, 0],
  send: [1, 2],
  listen: [0, 0],
  conversations: [0, 0],
  'hmac-keys': [0, 0],
  'update-keys': [1, 1],
  group: [0, Infinity],
};

/** Options that only `send` takes. */
const SEND_OPTIONS = ['idempotency-key', 'markdown', 'reply-to', 'react', 'attach'] as const;

/** A message id: lowercase hex (XMTP's are 32 bytes). */
function isMessageIdArg(value: string): boolean {
  return /^(?:[0-9a-f]{2}){16,64}$/.test(value);
}

function bad(message: string, details?: string): ParleyError {
  return new ParleyError('Cli.BadArguments', message, details === undefined ? {} : { details });
}

/**
 * Parses argv (without node and the script); bad input is Cli.BadArguments. `passphraseSet`
 * says whether PARLEY_PASSPHRASE is set: init refuses to make a store in clear unless asked to.
 */
export function parseCommand(argv: readonly string[], passphraseSet = false): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        'api-url': { type: 'string' },
        'data-dir': { type: 'string' },
        'idempotency-key': { type: 'string' },
        markdown: { type: 'boolean' },
        'reply-to': { type: 'string' },
        react: { type: 'string' },
        attach: { type: 'string' },
        'insecure-store': { type: 'boolean' },
        'import-key': { type: 'boolean' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        permissions: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (cause) {
    throw bad(cause instanceof Error ? cause.message : String(cause));
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: 'help' };
  const [name, ...rest] = positionals;
  if (name === undefined) throw bad('No command given.');
  if (!Object.hasOwn(ARITY, name)) throw bad(`Unknown command ${JSON.stringify(name.slice(0, 40))}.`);
  const command = name as keyof typeof ARITY;
  const [fewest, most] = ARITY[command];
  if (rest.length < fewest || rest.length > most) {
    const takes = most === 0 ? 'no arguments' : fewest === most ? `${most} arguments` : `${fewest} to ${most} arguments`;
    throw bad(`\`${command}\` takes ${takes}.`, `got ${rest.length}`);
  }
  const options: GlobalOptions = { apiUrl: apiUrlOf(values['api-url']), dataDir: values['data-dir'] ?? DEFAULT_DATA_DIR };
  if (options.dataDir.length === 0) throw bad('--data-dir is empty.');
  if (values['insecure-store'] === true && command !== 'init') throw bad('--insecure-store is an option of `init` only.');
  if (values['import-key'] === true && command !== 'init') throw bad('--import-key is an option of `init` only.');
  if (values.out !== undefined && command !== 'export-key') throw bad('--out is an option of `export-key` only.');
  if (values.json === true && command !== 'hmac-keys') throw bad('--json is an option of `hmac-keys` only.');
  const stray = command === 'send' ? undefined : SEND_OPTIONS.find((o) => values[o] !== undefined);
  if (stray !== undefined) throw bad(`--${stray} is an option of \`send\` only.`);
  if (values.permissions !== undefined && command !== 'group') throw bad('--permissions is an option of `group create` only.');
  switch (command) {
    case 'init': {
      const insecureStore = values['insecure-store'] === true;
      if (insecureStore && passphraseSet) throw bad('--insecure-store and PARLEY_PASSPHRASE contradict each other.');
      if (!insecureStore && !passphraseSet) throw bad('`init` needs PARLEY_PASSPHRASE set, or --insecure-store to keep the keys in clear.');
      return { name: 'init', options, insecureStore, importKey: values['import-key'] === true };
    }
    case 'send': {
      const [to, text] = rest as [string, string | undefined];
      if (!isEthereumAddress(to) && !isInboxId(to) && !isConversationIdArg(to)) {
        throw bad('The recipient must be a 0x address, a 64-hex-digit inbox id or a conversation id.', JSON.stringify(to.slice(0, 80)));
      }
      const message = sendMessageOf(values, text);
      const key = values['idempotency-key'];
      if (key === undefined) return { name: 'send', options, to, message };
      if (!isIdempotencyKeyNs(key)) throw bad('--idempotency-key must be a decimal nanosecond time (at most 2^63 - 1).', JSON.stringify(key.slice(0, 40)));
      return { name: 'send', options, to, message, idempotencyKeyNs: BigInt(key) };
    }
    case 'group':
      try {
        return { name: 'group', options, action: parseGroupArgs(rest, values.permissions) };
      } catch (e) {
        throw bad(e instanceof ParleyError ? `${e.details ?? e.shortMessage}.` : String(e));
      }
    case 'hmac-keys':
      return { name: 'hmac-keys', options, json: values.json === true };
    case 'export-key':
      if (values.out === undefined || values.out.length === 0) throw bad('`export-key` needs --out FILE: the key is never printed.');
      return { name: 'export-key', options, out: values.out };
    case 'update-keys': {
      const [conversationId] = rest as [string];
      if (!isConversationId(conversationId)) throw bad('The conversation id must be hex, as `conversations` prints it.', JSON.stringify(conversationId.slice(0, 80)));
      return { name: 'update-keys', options, conversationId };
    }
    default:
      return { name: command, options };
  }
}

function sendMessageOf(
  values: { markdown?: boolean; 'reply-to'?: string; react?: string; attach?: string },
  text: string | undefined,
): SendMessage {
  const replyTo = values['reply-to'];
  for (const [name, id] of [['--reply-to', replyTo], ['--react', values.react]] as const) {
    if (id !== undefined && !isMessageIdArg(id)) throw bad(`${name} needs a message id (lowercase hex).`, JSON.stringify(id.slice(0, 80)));
  }
  if (values.react !== undefined) {
    if (values.markdown === true || values.attach !== undefined || replyTo !== undefined) throw bad('--react goes alone: no --markdown, --attach or --reply-to.');
    if (text === undefined || text.length === 0) throw bad('--react needs the emoji as the text.');
    return { kind: 'reaction', emoji: text, reference: values.react };
  }
  if (values.attach !== undefined) {
    if (text !== undefined) throw bad('--attach sends the file alone: give no text.');
    if (values.markdown === true) throw bad('--markdown is for text, not --attach.');
    if (values.attach.length === 0) throw bad('--attach needs a file.');
    return { kind: 'attachment', file: values.attach, ...(replyTo !== undefined ? { replyTo } : {}) };
  }
  if (text === undefined || text.length === 0) throw bad('The text to send is empty.');
  return { kind: 'text', text, markdown: values.markdown === true, ...(replyTo !== undefined ? { replyTo } : {}) };
}

function apiUrlOf(value: string | undefined): string {
  if (value === undefined) return DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('--api-url is not a URL.', JSON.stringify(value.slice(0, 80)));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('--api-url must be an http or https URL.', JSON.stringify(value.slice(0, 80)));
  return value.replace(/\/+$/, '');
}
