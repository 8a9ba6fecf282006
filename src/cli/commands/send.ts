import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { AgentClient } from '../../agent/agentClient';
import type { Dm, Group } from '../../core/client';
import type { SendableContent } from '../../core/content/content';
import { MAX_ATTACHMENT_BYTES } from '../../core/content/limits';
import { ParleyError } from '../../core/errors';
import { isEthereumAddress } from '../../core/identity/inboxId';
import { isInboxId } from '../../core/mls/credential';
import type { SendMessage } from '../args';

/** MIME types by file extension for attachments; anything else is application/octet-stream. */
const MIME_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.zip': 'application/zip',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
};

/**
 * The content a `send` command line asks for. Files are read here, in the caller's process
 * (a listener runs elsewhere, maybe in another directory); a reply's or reaction's
 * referenceInboxId is filled in by sendLines, which can see the conversation.
 */
export async function contentOf(message: SendMessage): Promise<SendableContent> {
  switch (message.kind) {
    case 'reaction':
      return { type: 'reaction', reference: message.reference, action: 'added', schema: 'unicode', content: message.emoji };
    case 'text': {
      const inner: SendableContent = message.markdown ? { type: 'markdown', markdown: message.text } : { type: 'text', text: message.text };
      return message.replyTo === undefined ? inner : { type: 'reply', reference: message.replyTo, content: inner };
    }
    case 'attachment': {
      const inner = await attachmentOf(message.file);
      return message.replyTo === undefined ? inner : { type: 'reply', reference: message.replyTo, content: inner };
    }
  }
}

async function attachmentOf(file: string): Promise<SendableContent> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new ParleyError('Cli.BadArguments', 'The file to attach cannot be read.', { details: `${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, cause: e });
  }
  if (size > MAX_ATTACHMENT_BYTES) {
    throw new ParleyError('Cli.BadArguments', 'The file is too large to attach inline.', { details: `${size} bytes; the limit is ${MAX_ATTACHMENT_BYTES} (XMTP sends larger files as remote attachments)` });
  }
  const data = await readFile(file);
  return { type: 'attachment', filename: basename(file), mimeType: MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', data: data.toString('base64') };
}

/**
 * `parley send <to> …`: welcomes are synced first, so a DM the peer already made is found and
 * reused rather than duplicated (DMs are one per pair), and a conversation id names one this
 * agent joined; the conversation is synced before sending so the message goes out in its
 * current epoch (and bytes an earlier, interrupted attempt stored are published). The
 * idempotency key makes a retried request the same message: a caller that lost the answer
 * sends it again and it goes out once.
 */
export async function sendLines(agent: AgentClient, to: string, content: SendableContent, idempotencyKeyNs: bigint): Promise<Record<string, unknown>[]> {
  const { conversations } = agent.client;
  await conversations.sync();
  let conversation: Dm | Group;
  if (isEthereumAddress(to) || isInboxId(to)) {
    conversation = await conversations.createDm(to);
  } else {
    const found = await conversations.getConversationById(to);
    if (found === undefined) throw new ParleyError('Client.NotFound', 'This agent is in no conversation with that id.', { details: to });
    conversation = found;
  }
  await conversation.sync();
  const id = await conversation.send(await withReferenceInbox(conversation, content), { idempotencyKeyNs });
  return [{ id, conversationId: conversation.id }];
}

/** In groups a reply or reaction names the sender of the message it refers to (libxmtp's reference_inbox_id). */
async function withReferenceInbox(conversation: Dm | Group, content: SendableContent): Promise<SendableContent> {
  if (conversation.kind !== 'group' || (content.type !== 'reply' && content.type !== 'reaction') || content.referenceInboxId !== undefined) return content;
  const referenced = await conversation.message(content.reference);
  if (referenced === undefined) throw new ParleyError('Client.NotFound', 'The message to answer is not in this conversation.', { details: content.reference });
  return { ...content, referenceInboxId: referenced.senderInboxId };
}
