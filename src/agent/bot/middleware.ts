import type { MessageContext } from './messageContext';

/**
 * Runs before the agent's handlers, in the order added: call `next()` to go on to the next
 * middleware (and at the end, the handlers), or return without calling it to stop there.
 */
export type Middleware = (ctx: MessageContext, next: () => Promise<void>) => Promise<void> | void;

/** Chains `middleware` in order, then `last`; a `next()` called twice is an error, not a second run. */
export function composeMiddleware(middleware: readonly Middleware[], last: (ctx: MessageContext) => Promise<void>): (ctx: MessageContext) => Promise<void> {
  return (ctx) => {
    let reached = -1;
    const run = async (i: number): Promise<void> => {
      if (i <= reached) throw new Error('next() called more than once by one middleware');
      reached = i;
      const step = middleware[i];
      if (step === undefined) return last(ctx);
      await step(ctx, () => run(i + 1));
    };
    return run(0);
  };
}
