import { createAgentClient } from '../../agent/agentClient';
import { Dm, Group } from '../../core/client';
import { stripFormatControls } from '../../core/content';
import type { CommandContext } from './context';

/** `parley conversations`: syncs welcomes, then prints one JSON line per conversation, newest activity first. */
export async function runConversations(ctx: CommandContext): Promise<void> {
  const agent = await createAgentClient(ctx.agentOptions);
  try {
    const { conversations } = agent.client;
    await conversations.sync();
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
      ctx.out(line);
    }
  } finally {
    await agent.close();
  }
}
