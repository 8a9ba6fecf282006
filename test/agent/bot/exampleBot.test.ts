import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedMessage } from '../../../src/core/client';
import { newUser, startTestNetwork, type TestNetwork } from '../../core/client/clientTestKit';
import { eventually } from '../../interop/eventually';

// examples/agent-bot/bot.ts as its README runs it: its own process, a data directory made on
// first run, a node from the environment; a peer talks to it and it answers.

const root = join(import.meta.dirname, '../../..');
let network: TestNetwork;
let work: string;
let bot: ChildProcess | undefined;
let stderr = '';

beforeAll(async () => {
  network = await startTestNetwork();
  work = mkdtempSync(join(tmpdir(), 'parley-example-bot-'));
});

afterAll(async () => {
  bot?.kill('SIGKILL');
  await network.stop();
  rmSync(work, { recursive: true, force: true });
});

function describeMessage(m: DecodedMessage): string {
  if (m.content?.type === 'text') return m.content.text;
  if (m.content?.type === 'reply' && m.content.content.type === 'text') return `reply: ${m.content.content.text}`;
  return m.content?.type ?? 'unreadable';
}

describe('the example bot', () => {
  it('starts on a fresh data directory, answers commands and texts, and stops on SIGTERM', { timeout: 120_000 }, async () => {
    bot = spawn(process.execPath, ['--import', 'tsx', 'examples/agent-bot/bot.ts'], {
      cwd: root,
      env: { ...process.env, PARLEY_API_URL: network.url, PARLEY_DATA_DIR: join(work, 'bot'), PARLEY_PASSPHRASE: 'example bot passphrase' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = await new Promise<{ event: string; address: string; inboxId: string }>((resolve, reject) => {
      createInterface({ input: bot!.stdout! }).once('line', (line) => resolve(JSON.parse(line) as never));
      bot!.once('exit', (code) => reject(new Error(`the bot exited with ${code}:\n${stderr}`)));
    });
    expect(ready).toMatchObject({ event: 'ready', address: expect.stringMatching(/^0x[0-9a-f]{40}$/) });

    const peer = await newUser(network);
    const dm = await peer.client.conversations.createDm(ready.address);
    await dm.sendText('/help');
    await dm.sendText('/roll 1');
    await dm.sendText('/whoami');
    await dm.sendText('good bot');
    const answers = await eventually(
      'the bot answered four messages and welcomed the DM',
      async () => {
        await dm.sync();
        const got = (await dm.messages()).filter((m) => m.kind === 'application' && m.senderInboxId === ready.inboxId).map(describeMessage);
        return got.length >= 5 ? got : undefined;
      },
      { timeoutMs: 60_000, describe: async () => stderr },
    );
    // The welcome comes from the conversation stream, the answers from the message stream: apart, each in order.
    const welcome = 'Hi! I am a Parley bot. Send /help.';
    expect(answers).toContain(welcome);
    expect(answers.filter((a) => a !== welcome)).toEqual([
      '/help — this list\n/roll — a die: /roll [sides]\n/whoami — your address',
      'reply: sides must be a whole number from 2 to 1000000',
      `reply: ${peer.address.toLowerCase()}`,
      'reply: you said: good bot',
    ]);

    const exit = new Promise<number | null>((resolve) => bot!.once('exit', resolve));
    bot.kill('SIGTERM');
    expect(await exit).toBe(0);
    bot = undefined;
  });
});
