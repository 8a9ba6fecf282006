import type { AgentOptions } from '../../agent/agentClient';

/** What a command gets from the CLI's entry point. */
export interface CommandContext {
  agentOptions: AgentOptions;
  /** Writes one JSON line to stdout. */
  out(value: unknown): void;
  /** Writes one `warning: …` line to stderr. */
  warn(message: string): void;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}
