import type { MessageContext } from './messageContext';
import type { Middleware } from './middleware';

export type CommandHandler = (ctx: MessageContext, args: string[]) => Promise<void> | void;

interface Command {
  description: string;
  handler: CommandHandler;
}

const COMMAND_NAME = /^\/[a-z0-9][a-z0-9_-]*$/i;

/**
 * Slash commands for an agent: `/name arg…` in a text message runs the command's handler and
 * stops there; any other message goes on to the agent's handlers. Names match without case.
 *
 *   const router = new CommandRouter().command('/help', 'what I can do', (ctx) => ctx.sendText(router.help()));
 *   agent.use(router.middleware());
 */
export class CommandRouter {
  private readonly commands = new Map<string, Command>();
  private fallback: CommandHandler | undefined;

  command(name: string, description: string, handler: CommandHandler): this {
    if (!COMMAND_NAME.test(name)) throw new TypeError(`a command is / and letters, digits, - or _: ${JSON.stringify(name)}`);
    const key = name.toLowerCase();
    if (this.commands.has(key)) throw new TypeError(`${name} is already a command`);
    this.commands.set(key, { description, handler });
    return this;
  }

  /** What runs for a `/word` that is no command (by default the message goes on to the handlers). */
  unknown(handler: CommandHandler): this {
    this.fallback = handler;
    return this;
  }

  /** One line per command: `/name — description`. */
  help(): string {
    return [...this.commands].map(([name, { description }]) => `${name} — ${description}`).join('\n');
  }

  /** The command and its arguments in a text, or undefined when the text is not a command. */
  static parse(text: string): { name: string; args: string[] } | undefined {
    const [first, ...args] = text.trim().split(/\s+/);
    if (first === undefined || !COMMAND_NAME.test(first)) return undefined;
    return { name: first.toLowerCase(), args };
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      const parsed = ctx.message.content.type === 'text' ? CommandRouter.parse(ctx.message.content.text) : undefined;
      if (parsed === undefined) return next();
      const command = this.commands.get(parsed.name);
      if (command !== undefined) return command.handler(ctx, parsed.args);
      if (this.fallback !== undefined) return this.fallback(ctx, parsed.args);
      return next();
    };
  }
}
