import type { AgentClient } from '../../agent/agentClient';

/**
 * `parley send <address|inboxId> <text>`: welcomes are synced first, so a DM the peer already
 * made is found and reused rather than duplicated (DMs are one per pair); the DM is synced
 * before sending so the message goes out in the group's current epoch (and bytes an earlier,
 * interrupted attempt stored are published). The idempotency key makes a retried request the
 * same message: a caller that lost the answer sends it again and it goes out once.
 */
export async function sendLines(agent: AgentClient, to: string, text: string, idempotencyKeyNs: bigint): Promise<Record<string, unknown>[]> {
  const { conversations } = agent.client;
  await conversations.sync();
  const dm = await conversations.createDm(to);
  await dm.sync();
  const id = await dm.sendText(text, { idempotencyKeyNs });
  return [{ id, conversationId: dm.id }];
}
