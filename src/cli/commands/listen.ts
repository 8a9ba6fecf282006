import { createAgentClient, type AgentClient } from '../../agent/agentClient';
import type { DecodedMessage } from '../../core/client';
import { stripFormatControls } from '../../core/content';
import type { CommandContext } from './context';

/** Store cursor keys of `listen`: the node id of the last message printed, per conversation. */
const CURSOR_PREFIX = 'parley-cli/listen/';

/**
 * Every string of a peer's content without its bidi overrides and other invisible format
 * characters: JSON escapes control characters but not these, and a terminal shows them as they
 * are. Other values pass unchanged.
 */
export function printablePeerContent(value: unknown): unknown {
  if (typeof value === 'string') return stripFormatControls(value);
  if (Array.isArray(value)) return value.map(printablePeerContent);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, printablePeerContent(v)]));
  }
  return value;
}

/** The JSON line of one message; peer text as printablePeerContent leaves it. */
export function messageLine(m: DecodedMessage): Record<string, unknown> {
  const line: Record<string, unknown> = {
    id: m.id,
    conversationId: m.conversationId,
    senderInboxId: m.senderInboxId,
    sentAtNs: m.sentAtNs,
    contentType: m.contentType,
    content: m.content === undefined ? null : printablePeerContent(m.content),
  };
  if (m.fallback !== undefined) line['fallback'] = stripFormatControls(m.fallback);
  if (m.error !== undefined) line['error'] = m.error;
  return line;
}

/**
 * `parley listen`: prints messages from other inboxes as JSON lines until the signal.
 *
 * The stream starts first (it buffers what arrives), then messages already stored but never
 * printed (synced by another command, or received while the printing was cut short) are printed
 * from the store; each conversation's cursor — the node id of the last message printed — is saved
 * after its line is written, so a restart prints nothing twice. A kill between the two can repeat
 * one line (at least once, never lost).
 */
export async function runListen(ctx: CommandContext): Promise<void> {
  const agent = await createAgentClient(ctx.agentOptions);
  try {
    await listen(agent, ctx);
  } finally {
    await agent.close();
  }
}

async function listen(agent: AgentClient, ctx: CommandContext): Promise<void> {
  const { client, store } = agent;
  const own = client.inboxId;
  const cursors = new Map<string, bigint>();
  const cursorOf = async (groupId: string): Promise<bigint> => {
    let cursor = cursors.get(groupId);
    if (cursor === undefined) {
      cursor = (await store.getCursor(CURSOR_PREFIX + groupId)) ?? 0n;
      cursors.set(groupId, cursor);
    }
    return cursor;
  };
  const print = async (m: DecodedMessage): Promise<void> => {
    if (m.kind !== 'application' || m.senderInboxId === own) return;
    if (m.sequenceId !== undefined && m.sequenceId <= (await cursorOf(m.conversationId))) return;
    ctx.out(messageLine(m));
    if (m.sequenceId !== undefined) {
      cursors.set(m.conversationId, m.sequenceId);
      await store.commit([{ op: 'setCursor', key: CURSOR_PREFIX + m.conversationId, value: m.sequenceId }]);
    }
  };

  const stream = client.conversations.streamAllMessages({ signal: ctx.signal });
  for (const conversation of await client.conversations.list()) {
    const after = await cursorOf(conversation.id);
    for (const m of await conversation.messages()) {
      if (m.sequenceId === undefined || m.sequenceId > after) await print(m);
    }
  }
  for await (const m of stream) await print(m);
}
