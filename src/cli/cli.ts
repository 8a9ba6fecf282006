/**
 * The `parley` agent CLI: `npx tsx src/cli/cli.ts <command> [options]` or the `parley` bin (see
 * args.ts USAGE). Exit codes: 0 done, 1 a failure (printed as `error: <code>: <message>`), 2 bad
 * arguments (one line with the hint to `--help`).
 */
import { isParleyError } from '../core/errors';
import type { AgentOptions } from '../agent/agentClient';
import { parseCommand, USAGE, type CliCommand } from './args';
import { randomInt } from 'node:crypto';
import type { CommandContext } from './commands/context';
import { hmacKeyText } from './commands/hmacKeys';
import { runExportKey } from './commands/exportKey';
import { runInit } from './commands/init';
import { runListen } from './commands/listen';
import { contentOf } from './commands/send';
import { jsonLine } from './jsonLine';
import { runRequest } from './runRequest';

async function main(): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommand(process.argv.slice(2), (process.env['PARLEY_PASSPHRASE'] ?? '') !== '');
  } catch (e) {
    // One line, so that a script's log shows what was wrong; the usage is a flag away.
    const details = isParleyError(e) && e.details !== undefined ? ` (${e.details})` : '';
    process.stderr.write(`error: ${describe(e).replace(/\.$/, '')}${details}. See \`parley --help\`.\n`);
    return 2;
  }
  if (command.name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  // A reader that goes away (`parley listen | head -1`) ends the command like Ctrl-C does.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stop.abort();
  });
  const passphrase = process.env['PARLEY_PASSPHRASE'];
  const agentOptions: AgentOptions = {
    dataDir: command.options.dataDir,
    apiUrl: command.options.apiUrl,
    // Background failures (a welcome that does not validate, a dropped subscription) are reported, not fatal.
    onError: (e) => process.stderr.write(`warning: ${describe(e)}\n`),
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
  };
  if (command.name === 'init' && command.insecureStore) agentOptions.insecureStore = true;
  if (command.name === 'init' && command.importKey) {
    const key = process.env['PARLEY_WALLET_KEY'] ?? '';
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
      process.stderr.write('error: Cli.BadArguments: --import-key needs PARLEY_WALLET_KEY set to a 0x wallet key of 64 hex digits. See `parley --help`.\n');
      return 2;
    }
    agentOptions.privateKey = key.toLowerCase() as `0x${string}`;
  }
  if (passphrase !== undefined && passphrase !== '') agentOptions.passphrase = passphrase;
  const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);
  const ctx: CommandContext = { agentOptions, out: (value) => process.stdout.write(jsonLine(value)), warn, signal: stop.signal };
  try {
    switch (command.name) {
      case 'init':
        await runInit(ctx);
        break;
      case 'export-key':
        await runExportKey(ctx, command.out);
        break;
      case 'send': {
        const idempotencyKeyNs = command.idempotencyKeyNs ?? freshIdempotencyKeyNs();
        const content = await contentOf(command.message);
        for (const line of await runRequest(ctx, { v: 1, command: 'send', to: command.to, content, idempotencyKeyNs: String(idempotencyKeyNs) })) ctx.out(line);
        break;
      }
      case 'listen':
        await runListen(ctx);
        break;
      case 'conversations':
        for (const line of await runRequest(ctx, { v: 1, command: 'conversations' })) ctx.out(line);
        break;
      case 'group':
        for (const line of await runRequest(ctx, { v: 1, command: 'group', action: command.action })) ctx.out(line);
        break;
      case 'hmac-keys':
        for (const line of await runRequest(ctx, { v: 1, command: 'hmacKeys' })) {
          if (command.json) ctx.out(line);
          else process.stdout.write(hmacKeyText(line));
        }
        break;
      case 'update-keys':
        for (const line of await runRequest(ctx, { v: 1, command: 'updateKeys', conversationId: command.conversationId })) ctx.out(line);
        break;
    }
  } catch (e) {
    process.stderr.write(`error: ${describe(e)}\n`);
    if (isParleyError(e) && e.details !== undefined) process.stderr.write(`  details: ${e.details}\n`);
    return 1;
  }
  return 0;
}

/** Now in nanoseconds, its sub-millisecond digits random: two sends of one text in the same millisecond stay two messages. */
function freshIdempotencyKeyNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + BigInt(randomInt(1_000_000));
}

/** `<code>: <message>` of a ParleyError; anything else is reported as Internal. */
function describe(e: unknown): string {
  if (isParleyError(e)) return `${e.code}: ${e.shortMessage}`;
  return `Internal: ${e instanceof Error ? e.message : String(e)}`;
}

main().then(
  // Exit once stdout is flushed: nothing is left to do, whatever keep-alive sockets linger.
  (code) => (process.stdout.destroyed ? process.exit(code) : process.stdout.write('', () => process.exit(code))),
  (e: unknown) => {
    process.stderr.write(`error: ${describe(e)}\n`);
    process.exit(1);
  },
);
