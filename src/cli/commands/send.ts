import { createAgentClient } from '../../agent/agentClient';
import type { CommandContext } from './context';

/**
 * `parley send <address|inboxId> <text>`: welcomes are synced first, so a DM the peer already
 * made is found and reused rather than duplicated (DMs are one per pair); the DM is synced
 * before sending so the message goes out in the group's current epoch.
 */
export async function runSend(ctx: CommandContext, to: string, text: string): Promise<void> {
  const agent = await createAgentClient(ctx.agentOptions);
  try {
    const { conversations } = agent.client;
    await conversations.sync();
    const dm = await conversations.createDm(to);
    await dm.sync();
    const id = await dm.sendText(text);
    ctx.out({ id, conversationId: dm.id });
  } finally {
    await agent.close();
  }
}
