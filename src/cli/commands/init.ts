import { initAgent } from '../../agent/agentClient';
import type { CommandContext } from './context';

/** `parley init`: a new wallet key and its inbox; prints the address, inbox id and installation id. */
export async function runInit(ctx: CommandContext): Promise<void> {
  const agent = await initAgent(ctx.agentOptions);
  try {
    const { client } = agent;
    ctx.out({ address: agent.address, inboxId: client.inboxId, installationId: client.installationId });
  } finally {
    await agent.close();
  }
}
