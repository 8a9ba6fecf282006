import type { AgentClient } from '../../agent/agentClient';
import { hmacKeysJson } from '../../core/client';

/**
 * `parley hmac-keys`: syncs welcomes, then one JSON line per MLS group with its push-filter keys
 * (libxmtp conversations.hmacKeys(): duplicate DM groups included, denied conversations left
 * out), named by the conversation it belongs to and the topic a push server subscribes.
 */
export async function hmacKeyLines(agent: AgentClient): Promise<Record<string, unknown>[]> {
  const { conversations } = agent.client;
  await conversations.sync();
  const keys = await conversations.hmacKeys();
  const lines: Record<string, unknown>[] = [];
  for (const groupId of Object.keys(keys).sort()) {
    const conversationId = (await conversations.getConversationById(groupId))?.id ?? groupId;
    for (const line of hmacKeysJson(conversationId, { [groupId]: keys[groupId]! })) lines.push({ ...line });
  }
  return lines;
}

/** The text form: `<topic> <epoch>:<key hex> …`, one group per line, for a person reading it. */
export function hmacKeyText(line: Record<string, unknown>): string {
  const keys = Array.isArray(line['keys']) ? (line['keys'] as { epoch: number; key: string }[]) : [];
  return `${String(line['topic'])} ${keys.map((k) => `${k.epoch}:${k.key}`).join(' ')}\n`;
}
