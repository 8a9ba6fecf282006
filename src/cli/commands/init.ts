import { initAgent } from '../../agent/agentClient';
import { securePrivateDir } from '../../agent/privateDataDir';
import { ParleyError } from '../../core/errors';
import { isListening } from '../listener/client';
import { checkSocketFile, socketFileIn, socketPathOf } from '../listener/socketFile';
import type { CommandContext } from './context';

/** `parley init`: a new wallet key and its inbox; prints the address, inbox id and installation id. */
export async function runInit(ctx: CommandContext): Promise<void> {
  const { dataDir } = ctx.agentOptions;
  securePrivateDir(dataDir, ctx.warn);
  const path = socketPathOf(dataDir);
  // A listener runs only over a registered agent (and holds its store).
  if (path !== undefined && checkSocketFile(path) && (await isListening(path))) {
    throw new ParleyError('Agent.AlreadyInitialized', 'This data directory already holds a registered agent.', { details: `a listener serves ${socketFileIn(dataDir)}` });
  }
  const agent = await initAgent(ctx.agentOptions);
  try {
    const { client } = agent;
    ctx.out({ address: agent.address, inboxId: client.inboxId, installationId: client.installationId });
  } finally {
    await agent.close();
  }
}
