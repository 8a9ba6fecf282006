import type { AgentClient } from '../../agent/agentClient';
import { ParleyError } from '../../core/errors';

/**
 * `parley update-keys <conversationId>`: a self-update of this installation's keys in the
 * conversation (post-compromise security), after a sync so it is built on the newest epoch.
 * Prints {"conversationId","epoch"} with the epoch it led to.
 */
export async function updateKeysLines(agent: AgentClient, conversationId: string): Promise<Record<string, unknown>[]> {
  const { conversations } = agent.client;
  await conversations.sync();
  const conversation = await conversations.getConversationById(conversationId);
  if (conversation === undefined) throw new ParleyError('Client.NotFound', 'No conversation with this id.', { details: conversationId });
  await conversation.updateKeys();
  return [{ conversationId, epoch: conversation.epoch }];
}
