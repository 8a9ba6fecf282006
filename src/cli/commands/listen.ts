import { unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgentClient, type AgentClient } from '../../agent/agentClient';
import { securePrivateDir } from '../../agent/privateDataDir';
import type { DecodedMessage } from '../../core/client';
import { stripFormatControls } from '../../core/content';
import { isParleyError, ParleyError } from '../../core/errors';
import { isListening } from '../listener/client';
import { serveRequests, type RequestServer } from '../listener/server';
import { checkSocketFile, removeStaleSocket, socketFileIn, socketPathOf } from '../listener/socketFile';
import type { CommandContext } from './context';
import { handleRequest } from './handleRequest';

/** Store cursor keys of `listen`: the node id of the last message printed, per conversation. */
const CURSOR_PREFIX = 'parley-cli/listen/';
/** How long listen waits for a store a one-shot command holds. */
const OPEN_WAIT_MS = 60_000;

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
export function messageLine(m: DecodedMessage, senderAddress: string | null): Record<string, unknown> {
  const line: Record<string, unknown> = {
    id: m.id,
    conversationId: m.conversationId,
    senderInboxId: m.senderInboxId,
    senderAddress,
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
  const { dataDir } = ctx.agentOptions;
  securePrivateDir(dataDir, ctx.warn);
  const path = socketPathOf(dataDir);
  if (path !== undefined && checkSocketFile(path) && (await isListening(path))) {
    throw new ParleyError('Agent.ListenerRunning', 'A `parley listen` already runs for this data directory.', { details: socketFileIn(dataDir) });
  }
  const agent = await openWhenFree(ctx);
  let server: RequestServer | undefined;
  try {
    if (path === undefined) {
      ctx.warn(`the data directory's path is too long for a socket: other commands cannot reach this listener (${dataDir})`);
    } else {
      // Holding the store proves no other listener is alive: a socket file here is stale.
      if (removeStaleSocket(path)) ctx.warn(`removed ${socketFileIn(dataDir)}, left by a listener that was killed`);
      server = await serveRequests(path, (request) => handleRequest(agent, request));
      process.stderr.write(`listening; other parley commands on this data directory run through ${socketFileIn(dataDir)}\n`);
    }
    await listen(agent, ctx);
  } finally {
    if (server !== undefined) {
      await server.close();
      unlinkQuietly(path);
    }
    await agent.close();
  }
}

/** Store busy (a one-shot command holds it): wait for it, as those commands wait for us. */
async function openWhenFree(ctx: CommandContext): Promise<AgentClient> {
  const deadline = Date.now() + OPEN_WAIT_MS;
  for (;;) {
    try {
      return await createAgentClient(ctx.agentOptions);
    } catch (e) {
      if (!isParleyError(e, 'Agent.StoreBusy') || Date.now() >= deadline || ctx.signal.aborted) throw e;
      await sleep(150);
    }
  }
}

function unlinkQuietly(path: string | undefined): void {
  if (path === undefined) return;
  try {
    unlinkSync(path);
  } catch {
    // Gone already: nothing to clean.
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
  // A sender's address, once per inbox and run; a lookup that fails prints null rather than hold the line back.
  const addresses = new Map<string, string | null>();
  const addressOf = async (inboxId: string): Promise<string | null> => {
    let address = addresses.get(inboxId);
    if (address === undefined) {
      try {
        address = (await client.accountAddressOf(inboxId)) ?? null;
        addresses.set(inboxId, address);
      } catch (e) {
        ctx.warn(`no address for sender ${inboxId}: ${e instanceof Error ? e.message : String(e)}`);
        address = null;
      }
    }
    return address;
  };
  const print = async (m: DecodedMessage): Promise<void> => {
    if (m.kind !== 'application' || m.senderInboxId === own) return;
    if (m.sequenceId !== undefined && m.sequenceId <= (await cursorOf(m.conversationId))) return;
    ctx.out(messageLine(m, await addressOf(m.senderInboxId)));
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
