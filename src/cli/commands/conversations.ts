import type { AgentClient } from '../../agent/agentClient';
import { Dm, Group } from '../../core/client';
import { stripFormatControls } from '../../core/content';

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
      // Set by any member: printed without bidi overrides, like listen's message text.
      line['name'] = stripFormatControls(conversation.name);
      line['description'] = stripFormatControls(conversation.description);
    }
    lines.push(line);
  }
  return lines;
}
