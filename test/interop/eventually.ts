/**
 * Polls `probe` until it returns something other than undefined, or fails after
 * `timeoutMs` with `what` and the last value seen. For state that another process
 * reaches in its own time (a synced message, a streamed one), never for timing.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const state = options.describe ? await options.describe().catch((e: unknown) => `(could not describe: ${String(e)})`) : '';
  const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new Error(`not reached within ${timeoutMs} ms: ${what}${cause}${state ? `\n${state}` : ''}`);
}
