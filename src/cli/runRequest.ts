import { setTimeout as sleep } from 'node:timers/promises';
import { createAgentClient } from '../agent/agentClient';
import { securePrivateDir } from '../agent/privateDataDir';
import { isParleyError, ParleyError } from '../core/errors';
import type { CommandContext } from './commands/context';
import { handleRequest } from './commands/handleRequest';
import { askListener } from './listener/client';
import type { ListenerRequest } from './listener/protocol';
import { checkSocketFile, removeStaleSocket, socketFileIn, socketPathOf } from './listener/socketFile';

/** How long a command waits for a store another command holds (or a listener still starting up). */
const BUSY_WAIT_MS = 120_000;
const BUSY_POLL_MS = 150;
/** Listeners lost in a row before the command gives up. */
const MAX_LOST = 3;

/**
 * Runs a command's request through the data directory's listener when one serves it, or on the
 * store itself when none does. A listener that dies holding the request is retried with the same
 * request, through a new listener or the store: a send's idempotency key makes that exactly once.
 * A socket file no listener serves (a listener killed) is removed once this process holds the
 * store, whose lock proves that no listener is alive.
 */
export async function runRequest(ctx: CommandContext, request: ListenerRequest): Promise<Record<string, unknown>[]> {
  const { dataDir } = ctx.agentOptions;
  securePrivateDir(dataDir, ctx.warn);
  const path = socketPathOf(dataDir);
  const deadline = Date.now() + BUSY_WAIT_MS;
  let lost = 0;
  let waited = false;
  for (;;) {
    if (path !== undefined && checkSocketFile(path)) {
      const answer = await askListener(path, request);
      if (answer.kind === 'answer') {
        const { response } = answer;
        if (response.ok) return response.lines;
        const { code, message, details } = response.error;
        throw new ParleyError(code, message, details === undefined ? {} : { details });
      }
      if (answer.kind === 'lost') {
        lost++;
        if (lost >= MAX_LOST) throw lostError(request);
        ctx.warn('the listener stopped before answering; retrying the request');
        continue;
      }
    }
    let agent;
    try {
      agent = await createAgentClient(ctx.agentOptions);
    } catch (e) {
      if (isParleyError(e, 'Agent.StoreBusy') && Date.now() < deadline) {
        if (!waited) ctx.warn('the store is in use by another parley command; waiting for it');
        waited = true;
        await sleep(BUSY_POLL_MS);
        continue;
      }
      throw e;
    }
    try {
      if (path !== undefined && removeStaleSocket(path)) ctx.warn(`removed ${socketFileIn(dataDir)}, left by a listener that was killed`);
      return await handleRequest(agent, request);
    } finally {
      await agent.close();
    }
  }
}

function lostError(request: ListenerRequest): ParleyError {
  const details = request.command === 'send' ? `repeat the command with --idempotency-key ${request.idempotencyKeyNs} to send it exactly once` : request.command;
  return new ParleyError('Agent.ListenerLost', 'The listener stopped before answering, again and again.', { details });
}
