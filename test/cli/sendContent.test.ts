import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedMessage } from '../../src/core/client';
import { newUser, startTestNetwork, type TestNetwork, type TestUser } from '../core/client/clientTestKit';
import { tempDirs } from '../agent/helpers';
import { eventually } from '../interop/eventually';
import { jsonLines, runCli } from './cliChild';

// `parley send` beyond plain text, from its own process to a core Client on a node: markdown,
// a reply and a reaction in a group by conversation id (naming the referenced sender), an
// attachment read from a file; unknown targets are typed errors.

const dirs = tempDirs('parley-cli-content-');
let network: TestNetwork;
let bob: TestUser;
let aliceDir: string;
let alice: { address: string; inboxId: string };

const cli = (...args: string[]) => runCli([...args, '--data-dir', aliceDir, '--api-url', network.url]);

async function bobReceives(conversationId: string, id: string): Promise<DecodedMessage> {
  return eventually(
    `bob has message ${id}`,
    async () => {
      await bob.client.conversations.sync();
      const conversation = await bob.client.conversations.getConversationById(conversationId);
      await conversation?.sync();
      return ((await conversation?.messages()) ?? []).find((m) => m.id === id);
    },
    { timeoutMs: 30_000 },
  );
}

function sentLine(result: { code: number; stdout: string; stderr: string }): { id: string; conversationId: string } {
  expect(result.code, result.stderr).toBe(0);
  return jsonLines(result.stdout)[0] as { id: string; conversationId: string };
}

beforeAll(async () => {
  network = await startTestNetwork();
  bob = await newUser(network);
  aliceDir = join(dirs.make(), 'alice');
  const init = await runCli(['init', '--insecure-store', '--data-dir', aliceDir, '--api-url', network.url]);
  expect(init.code, init.stderr).toBe(0);
  alice = jsonLines(init.stdout)[0] as typeof alice;
}, 120_000);

afterAll(async () => {
  await network.stop();
  dirs.cleanup();
});

describe('parley send with content options', { timeout: 180_000 }, () => {
  it('reacts and replies in a group by its id, naming the sender of the message referred to', async () => {
    const group = await bob.client.conversations.createGroup([alice.address], { name: 'cli crew' });
    const question = await group.sendText('how is it going?');

    const reaction = sentLine(await cli('send', group.id, '👍', '--react', question));
    expect(reaction.conversationId).toBe(group.id);
    expect((await bobReceives(group.id, reaction.id)).content).toEqual({ type: 'reaction', reference: question, referenceInboxId: bob.client.inboxId, action: 'added', schema: 'unicode', content: '👍' });

    const reply = sentLine(await cli('send', group.id, 'going *well*', '--reply-to', question, '--markdown'));
    expect((await bobReceives(group.id, reply.id)).content).toEqual({
      type: 'reply',
      reference: question,
      referenceInboxId: bob.client.inboxId,
      content: { type: 'markdown', markdown: 'going *well*' },
    });
  });

  it('sends markdown and an attachment from a file in the DM with an address', async () => {
    const markdown = sentLine(await cli('send', bob.address, '# Report\n\n- **all** good'));
    const md = sentLine(await cli('send', bob.address, '# Report\n\n- **all** good', '--markdown'));
    expect(md.conversationId).toBe(markdown.conversationId);
    expect((await bobReceives(md.conversationId, markdown.id)).content).toEqual({ type: 'text', text: '# Report\n\n- **all** good' });
    expect((await bobReceives(md.conversationId, md.id)).content).toEqual({ type: 'markdown', markdown: '# Report\n\n- **all** good' });

    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const file = join(dirs.make(), 'chart.png');
    writeFileSync(file, bytes);
    const attached = sentLine(await cli('send', bob.address, '--attach', file));
    expect((await bobReceives(attached.conversationId, attached.id)).content).toEqual({ type: 'attachment', filename: 'chart.png', mimeType: 'image/png', data: bytes.toString('base64') });
  });

  it('refuses a conversation it is not in, a message that is not there and a file it cannot read, with typed errors', async () => {
    const unknown = await cli('send', '0f'.repeat(16), 'hello?');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: Client\.NotFound: /m);

    const group = await bob.client.conversations.createGroup([alice.address]);
    const missing = await cli('send', group.id, 'to nothing', '--reply-to', 'ab'.repeat(32));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: Client\.NotFound: The message to answer/m);

    const noFile = await cli('send', bob.address, '--attach', join(aliceDir, 'no-such-file.png'));
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/^error: Cli\.BadArguments: The file to attach cannot be read/m);
  });
});

describe('parley group membership commands', { timeout: 180_000 }, () => {
  it('creates a group, adds, renames and removes members, and lists them; the other member sees each change', async () => {
    const carol = await newUser(network);
    const created = await cli('group', 'create', 'cli group', bob.address);
    expect(created.code, created.stderr).toBe(0);
    const { id } = jsonLines(created.stdout)[0] as { id: string };

    const added = await cli('group', 'add', id, carol.address);
    expect(added.code, added.stderr).toBe(0);
    expect(jsonLines(added.stdout)[0]).toEqual({ conversationId: id, memberInboxIds: expect.arrayContaining([alice.inboxId, bob.client.inboxId, carol.client.inboxId]) });

    const renamed = await cli('group', 'rename', id, 'cli crew');
    expect(jsonLines(renamed.stdout)[0]).toEqual({ conversationId: id, name: 'cli crew' });
    const bobSees = await eventually(
      'bob sees the new name and carol',
      async () => {
        await bob.client.conversations.sync();
        const group = await bob.client.conversations.getConversationById(id);
        await group?.sync();
        return group?.kind === 'group' && group.name === 'cli crew' && (await group.members()).length === 3 ? group : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(bobSees.name).toBe('cli crew');

    const removed = await cli('group', 'remove', id, carol.client.inboxId);
    expect(removed.code, removed.stderr).toBe(0);
    const members = await cli('group', 'members', id);
    expect(members.code, members.stderr).toBe(0);
    expect((jsonLines(members.stdout) as { inboxId: string }[]).map((m) => m.inboxId).sort()).toEqual([alice.inboxId, bob.client.inboxId].sort());
  });
});
