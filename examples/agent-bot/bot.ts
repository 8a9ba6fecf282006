/**
 * A runnable XMTP bot on Parley's agent API: it answers /help, /roll and /whoami, echoes other
 * texts as replies, and welcomes new conversations.
 *
 *   PARLEY_PASSPHRASE='a long passphrase' npx tsx examples/agent-bot/bot.ts
 *
 * Environment: PARLEY_API_URL (the node's gRPC-web URL, default http://localhost:5557),
 * PARLEY_DATA_DIR (the bot's keys and messages, default ./.parley-bot, made on first run),
 * PARLEY_PASSPHRASE (encrypts them; or PARLEY_INSECURE_STORE=1 to keep them in clear).
 * When it listens it prints one JSON line, {"event":"ready","address","inboxId"}; Ctrl-C stops it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, CommandRouter, initAgent, WALLET_FILE } from '../../src/agent';

const dataDir = process.env['PARLEY_DATA_DIR'] ?? './.parley-bot';
const options = {
  dataDir,
  apiUrl: process.env['PARLEY_API_URL'] ?? 'http://localhost:5557',
  ...(process.env['PARLEY_PASSPHRASE'] !== undefined ? { passphrase: process.env['PARLEY_PASSPHRASE'] } : {}),
  insecureStore: process.env['PARLEY_INSECURE_STORE'] === '1',
};

// First run: a new wallet key and its inbox in the data directory.
if (!existsSync(join(dataDir, WALLET_FILE))) await (await initAgent(options)).close();
const agent = await Agent.fromDataDir(options);

const router: CommandRouter = new CommandRouter()
  .command('/help', 'this list', async (ctx) => void (await ctx.sendText(router.help())))
  .command('/roll', 'a die: /roll [sides]', async (ctx, [sides = '6']) => {
    const n = Number(sides);
    if (!Number.isInteger(n) || n < 2 || n > 1_000_000) return void (await ctx.sendReply('sides must be a whole number from 2 to 1000000'));
    await ctx.sendReply(`🎲 ${1 + Math.floor(Math.random() * n)}`);
  })
  .command('/whoami', 'your address', async (ctx) => void (await ctx.sendReply((await ctx.getSenderAddress()) ?? ctx.senderInboxId)));

// Logs every message it handles, then lets the router and handlers have it.
agent.use(async (ctx, next) => {
  console.error(`[bot] ${ctx.senderInboxId} in ${ctx.conversation.id}: ${ctx.message.content.type}`);
  await next();
});
agent.use(router.middleware());
agent.on('text', async (ctx) => void (await ctx.sendReply(`you said: ${ctx.message.content.text}`)));
agent.on('reaction', async (ctx) => void (await ctx.sendText(`thanks for the ${ctx.message.content.content}`)));
agent.on('dm', async (ctx) => void (await ctx.conversation.sendText('Hi! I am a Parley bot. Send /help.')));
agent.on('unhandledError', (error) => console.error('[bot] a handler failed:', error));

await agent.start();
console.log(JSON.stringify({ event: 'ready', address: agent.address, inboxId: agent.inboxId }));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[bot] stopping failed:', error);
        process.exit(1);
      },
    );
  });
}
