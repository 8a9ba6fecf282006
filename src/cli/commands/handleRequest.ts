import type { AgentClient } from '../../agent/agentClient';
import type { ListenerRequest } from '../listener/protocol';
import { conversationLines } from './conversations';
import { groupLines } from './group';
import { hmacKeyLines } from './hmacKeys';
import { sendLines } from './send';
import { updateKeysLines } from './updateKeys';

/** Runs a command's request on an open agent: in the listener for other processes, or in the command's own process. */
export function handleRequest(agent: AgentClient, request: ListenerRequest): Promise<Record<string, unknown>[]> {
  switch (request.command) {
    case 'send':
      return sendLines(agent, request.to, request.content, BigInt(request.idempotencyKeyNs));
    case 'conversations':
      return conversationLines(agent);
    case 'hmacKeys':
      return hmacKeyLines(agent);
    case 'updateKeys':
      return updateKeysLines(agent, request.conversationId);
    case 'group':
      return groupLines(agent, request.action);
  }
}
