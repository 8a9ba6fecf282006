import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/bot/agent';
import { CommandRouter } from '../../../src/agent/bot/commandRouter';
import type { Conversation, DecodedMessage } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, type TestNetwork, type TestUser } from '../../core/client/clientTestKit';
import { eventually } from '../../interop/eventually';

let network: TestNetwork;
let work: string;

beforeAll(async () => {
  network = await startTestNetwork();
  work = mkdtempSync(join(tmpdir(), 'parley-agent-bot-'));
});

afterAll(async () => {
  await network.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The peer's messages from others in a conversation, once `count` of them arrived. */
async function peerReceives(peer: TestUser, conversationId: string, count: number): Promise<DecodedMessage[]> {
  return eventually(
    `the peer has ${count} message(s) from the agent`,
    async () => {
      await peer.client.conversations.sync();
      const conversation = await peer.client.conversations.getConversationById(conversationId);
      await conversation?.sync();
      const fromOthers = ((await conversation?.messages()) ?? []).filter((m) => m.kind === 'application' && m.senderInboxId !== peer.client.inboxId);
      return fromOthers.length >= count ? fromOthers : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

function textOf(m: DecodedMessage): string | undefined {
  return m.content?.type === 'text' ? m.content.text : m.content?.type === 'reply' && m.content.content.type === 'text' ? `reply: ${m.content.content.text}` : undefined;
}

describe('Agent', () => {
  it('answers texts and commands in a DM, events in order, middleware first', async () => {
    const agent = await Agent.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api() });
    const events: string[] = [];
    const router: CommandRouter = new CommandRouter()
      .command('/help', 'what I can do', async (ctx): Promise<void> => void (await ctx.sendText(router.help())))
      .command('/add', 'adds numbers', (ctx, args) => ctx.sendText(String(args.map(Number).reduce((a, b) => a + b, 0))).then(() => undefined));
    agent.use(async (ctx, next) => {
      events.push(`middleware ${ctx.text ?? ctx.message.content.type}`);
      ctx.state.set('seenBy', 'middleware');
      await next();
    });
    agent.use(router.middleware());
    agent.on('message', (ctx) => void events.push(`message ${ctx.message.content.type}`));
    agent.on('text', async (ctx) => {
      events.push(`text ${ctx.message.content.text} (${String(ctx.state.get('seenBy'))})`);
      expect(await ctx.getSenderAddress()).toBe(peer.address.toLowerCase());
      await ctx.sendReply(`echo ${ctx.message.content.text}`);
    });
    agent.on('dm', (ctx) => void events.push(`dm ${ctx.conversation.id === dm.id}`));
    const peer = await newUser(network);
    let dm: Conversation;
    await agent.start();
    try {
      dm = await peer.client.conversations.createDm(agent.address);
      await dm.sendText('hello');
      expect((await peerReceives(peer, dm.id, 1)).map(textOf)).toEqual(['reply: echo hello']);
      await dm.sendText('/help');
      await dm.sendText('/add 2 3');
      const answers = await peerReceives(peer, dm.id, 3);
      expect(answers.map(textOf)).toEqual(['reply: echo hello', '/help — what I can do\n/add — adds numbers', '5']);
      // The commands stopped in the router: no message or text events for them.
      expect(events.filter((e) => !e.startsWith('dm'))).toEqual(['middleware hello', 'message text', 'text hello (middleware)', 'middleware /help', 'middleware /add 2 3']);
      expect(events).toContain('dm true');
    } finally {
      await agent.stop();
    }
  });

  it('hands reactions and group messages to their events; a throwing handler does not stop it', async () => {
    const agent = await Agent.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api() });
    const errors: unknown[] = [];
    const reactions: string[] = [];
    agent.on('unhandledError', (e) => void errors.push(e));
    agent.on('text', async (ctx) => {
      if (ctx.message.content.text === 'throw') throw new Error('handler failed');
      if (ctx.isGroup()) await ctx.sendReaction('👀');
    });
    agent.on('reaction', (ctx) => void reactions.push(`${ctx.message.content.content} on ${ctx.message.content.reference}`));
    let groupEvent = '';
    agent.on('group', (ctx) => void (groupEvent = ctx.conversation.name));
    const [peer, other] = await Promise.all([newUser(network), newUser(network)]);
    await agent.start();
    try {
      const group = await peer.client.conversations.createGroup([agent.address, other.address], { name: 'crew' });
      await group.sendText('throw');
      const seen = await group.sendText('look at this');
      const [reaction] = await peerReceives(peer, group.id, 1);
      expect(reaction?.content).toMatchObject({ type: 'reaction', reference: seen, referenceInboxId: peer.client.inboxId, content: '👀', action: 'added' });
      expect(errors.map((e) => (e as Error).message)).toEqual(['handler failed']);
      expect(groupEvent).toBe('crew');

      await group.send({ type: 'reaction', reference: reaction!.id, referenceInboxId: agent.inboxId, action: 'added', schema: 'unicode', content: '🙌' });
      await eventually('the agent sees the reaction', async () => (reactions.length > 0 ? reactions : undefined));
      expect(reactions).toEqual([`🙌 on ${reaction!.id}`]);
    } finally {
      await agent.stop();
    }
  });

  it('after a restart on its SQLite file handles what came while it was down, and nothing twice', async () => {
    const signer = privateKeySigner(generateWalletPrivateKey());
    const dbPath = join(work, 'restart.sqlite');
    const handled: string[] = [];
    const start = async () => {
      const agent = await Agent.create(signer, { api: network.api(), dbPath });
      agent.on('text', async (ctx) => {
        handled.push(ctx.message.content.text);
        await ctx.sendText(`got ${ctx.message.content.text}`);
      });
      await agent.start();
      return agent;
    };
    const peer = await newUser(network);
    let agent = await start();
    const dm = await peer.client.conversations.createDm(agent.address);
    await dm.sendText('one');
    await peerReceives(peer, dm.id, 1);
    await agent.stop();

    await dm.sendText('two');
    await dm.sendText('three');
    agent = await start();
    try {
      expect((await peerReceives(peer, dm.id, 3)).map(textOf)).toEqual(['got one', 'got two', 'got three']);
      expect(handled).toEqual(['one', 'two', 'three']);
    } finally {
      await agent.stop();
    }
  });
});
