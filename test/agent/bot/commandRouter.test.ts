import { describe, expect, it } from 'vitest';
import { CommandRouter } from '../../../src/agent/bot/commandRouter';
import type { MessageContext } from '../../../src/agent/bot/messageContext';
import { composeMiddleware } from '../../../src/agent/bot/middleware';

function textContext(text: string): MessageContext {
  return { message: { content: { type: 'text', text } }, state: new Map() } as unknown as MessageContext;
}

describe('CommandRouter', () => {
  it('parses a slash command and its arguments, without case, and nothing else', () => {
    expect(CommandRouter.parse('  /Add 2   3 ')).toEqual({ name: '/add', args: ['2', '3'] });
    expect(CommandRouter.parse('/help')).toEqual({ name: '/help', args: [] });
    for (const text of ['hello /help', '/', '//x', '/ help', 'help']) expect(CommandRouter.parse(text)).toBeUndefined();
  });

  it('runs the command and stops there; other texts and unknown commands go on', async () => {
    const seen: string[] = [];
    const router = new CommandRouter()
      .command('/add', 'adds numbers', (_ctx, args) => void seen.push(`add ${args.map(Number).reduce((a, b) => a + b, 0)}`))
      .command('/help', 'lists the commands', () => void seen.push('help'));
    const run = composeMiddleware([router.middleware()], async (ctx) => void seen.push(`handlers: ${(ctx.message.content as { text: string }).text}`));
    for (const text of ['/add 2 3', '/HELP', 'hello', '/nope']) await run(textContext(text));
    expect(seen).toEqual(['add 5', 'help', 'handlers: hello', 'handlers: /nope']);
    expect(router.help()).toBe('/add — adds numbers\n/help — lists the commands');
  });

  it('hands unknown commands to its fallback when it has one', async () => {
    const seen: string[] = [];
    const router = new CommandRouter().unknown((ctx) => void seen.push(`unknown ${(ctx.message.content as { text: string }).text}`));
    await composeMiddleware([router.middleware()], async () => void seen.push('handlers'))(textContext('/nope x'));
    expect(seen).toEqual(['unknown /nope x']);
  });

  it('refuses bad and repeated names', () => {
    const router = new CommandRouter().command('/ok', '', () => undefined);
    expect(() => router.command('ok', '', () => undefined)).toThrow(TypeError);
    expect(() => router.command('/two words', '', () => undefined)).toThrow(TypeError);
    expect(() => router.command('/OK', '', () => undefined)).toThrow(/already/);
  });
});

describe('composeMiddleware', () => {
  it('runs middleware in order around the handlers, and stops where next() is not called', async () => {
    const order: string[] = [];
    const run = composeMiddleware(
      [
        async (ctx, next) => {
          order.push('a in');
          ctx.state.set('user', 'alice');
          await next();
          order.push('a out');
        },
        async (ctx, next) => {
          order.push(`b sees ${String(ctx.state.get('user'))}`);
          if ((ctx.message.content as { text: string }).text !== 'stop') await next();
        },
      ],
      async () => void order.push('handlers'),
    );
    await run(textContext('go'));
    await run(textContext('stop'));
    expect(order).toEqual(['a in', 'b sees alice', 'handlers', 'a out', 'a in', 'b sees alice', 'a out']);
  });

  it('refuses a second next() from one middleware', async () => {
    let handled = 0;
    const run = composeMiddleware([async (_ctx, next) => { await next(); await next(); }], async () => void handled++);
    await expect(run(textContext('x'))).rejects.toThrow(/more than once/);
    expect(handled).toBe(1);
  });
});
