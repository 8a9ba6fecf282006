import type { AgentClient } from '../../agent/agentClient';
import { Dm, Group } from '../../core/client';

/** `parley conversations`: syncs welcomes, then one JSON line per conversation, newest activity first. */
export async function conversationLines(agent: AgentClient): Promise<Record<string, unknown>[]> {
  const { conversations } = agent.client;
  await conversations.sync();
  const lines: Record<string, unknown>[] = [];
  for (const conversation of await conversations.list()) {
    const line: Record<string, unknown> = {
      id: conversation.id,
      kind: conversation.kind,
      createdAtNs: conversation.createdAtNs,
      isActive: conversation.isActive,
      consentState: await conversation.consentState(),
    };
    if (conversation instanceof Dm) line['peerInboxId'] = conversation.peerInboxId();
    if (conversation instanceof Group) {
      line['name'] = conversation.name;
      line['description'] = conversation.description;
    }
    lines.push(line);
  }
  return lines;
}
