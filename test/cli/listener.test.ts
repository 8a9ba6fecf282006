import { createHmac } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import { Client, createMemoryStore, type DecodedMessage, type Dm } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { silentLogger } from '../../src/node/log';
import { startNode, type RunningNode } from '../../src/node/node';
import { tempDirs } from '../agent/helpers';
import { jsonLines, runCli, startCli, type RunningCli } from './cliChild';

const dirs = tempDirs('parley-listener-');
const PASSPHRASE = { PARLEY_PASSPHRASE: 'correct horse battery staple' };

function textsFrom(messages: readonly DecodedMessage[], inboxId: string): string[] {
  return messages.flatMap((m) => (m.kind === 'application' && m.senderInboxId === inboxId && m.content?.type === 'text' ? [m.content.text] : []));
}

describe('parley listen serves the other commands of its data directory', () => {
  let node: RunningNode;
  let apiUrl: string;
  let bob: Client;
  let bobAddress: string;
  const running: RunningCli[] = [];

  /** A new agent made by `parley init` (passphrase-protected). */
  async function newAgent(): Promise<{ dir: string; inboxId: string; address: string }> {
    const dir = join(dirs.make(), 'agent');
    const init = await runCli(['init', '--data-dir', dir, '--api-url', apiUrl], PASSPHRASE);
    expect(init.code, init.stderr).toBe(0);
    const [id] = jsonLines(init.stdout) as [{ inboxId: string; address: string }];
    return { dir, ...id };
  }
  const listen = (dir: string) => {
    const child = startCli(['listen', '--data-dir', dir, '--api-url', apiUrl], PASSPHRASE);
    running.push(child);
    return child;
  };
  async function bobsDmWith(inboxId: string): Promise<Dm> {
    await bob.conversations.sync();
    const dm = await bob.conversations.getDmByInboxId(inboxId);
    expect(dm).toBeDefined();
    await dm!.sync();
    return dm!;
  }

  beforeAll(async () => {
    node = await startNode({
      host: '127.0.0.1',
      port: 0,
      webPort: 0,
      dataDir: dirs.make(),
      logger: silentLogger,
      rateLimits: { writes: 0, reads: 0, windowMs: 300_000 },
      shutdownGraceMs: 500,
    });
    apiUrl = `http://127.0.0.1:${node.webPort}`;
    const key = generateWalletPrivateKey();
    bob = await Client.create(privateKeySigner(key), { apiUrl, store: createMemoryStore() });
    bobAddress = bob.accountIdentifier.identifier.toLowerCase();
  }, 60_000);

  afterAll(async () => {
    for (const cli of running) cli.process.kill('SIGKILL');
    bob?.close();
    await node?.close();
    dirs.cleanup();
  });

  it('alice listens; her send from a second process reaches bob through the socket; bob’s reply is printed by listen with his address; conversations go through the socket too', async () => {
    const alice = await newAgent();
    const listening = listen(alice.dir);
    await listening.waitForStderr(/listening; other parley commands/);
    const socket = join(alice.dir, 'listen.sock');
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);

    // No passphrase: opening the store itself would fail (Agent.KeyRequired), and the listener holds it anyway.
    const sent = await runCli(['send', bobAddress, 'hi bob, from a second process', '--data-dir', alice.dir, '--api-url', apiUrl]);
    expect(sent.code, sent.stderr).toBe(0);
    const [answer] = jsonLines(sent.stdout) as [{ id: string; conversationId: string }];
    const dm = await bobsDmWith(alice.inboxId);
    expect(textsFrom(await dm.messages(), alice.inboxId)).toEqual(['hi bob, from a second process']);
    expect(dm.id).toBe(answer.conversationId);

    const replyId = await dm.sendText('hello alice');
    const line = await listening.waitFor((l) => l['id'] === replyId);
    expect(line).toMatchObject({ senderInboxId: bob.inboxId, senderAddress: bobAddress, content: { type: 'text', text: 'hello alice' } });

    const conversations = await runCli(['conversations', '--data-dir', alice.dir, '--api-url', apiUrl]);
    expect(conversations.code, conversations.stderr).toBe(0);
    expect(jsonLines(conversations.stdout)).toEqual([expect.objectContaining({ id: answer.conversationId, kind: 'dm', peerInboxId: bob.inboxId })]);

    // Push-filter keys through the socket too: the current one signs what alice sent, as a push server checks.
    const keys = await runCli(['hmac-keys', '--json', '--data-dir', alice.dir, '--api-url', apiUrl]);
    expect(keys.code, keys.stderr).toBe(0);
    const [group] = jsonLines(keys.stdout) as [{ conversationId: string; groupId: string; topic: string; keys: { epoch: number; key: string }[] }];
    expect(jsonLines(keys.stdout)).toHaveLength(1);
    expect(group).toMatchObject({ conversationId: answer.conversationId, groupId: answer.conversationId, topic: `/xmtp/mls/1/g-${answer.conversationId}/proto` });
    expect(group.keys).toHaveLength(3);
    const page = await createGrpcWebApi({ url: apiUrl }).queryGroupMessages({ groupId: Buffer.from(group.groupId, 'hex'), pagingInfo: undefined });
    const fromAlice = page.messages.filter((m) => m.v1 !== undefined && Buffer.from(m.v1.senderHmac).equals(createHmac('sha256', Buffer.from(group.keys[1]!.key, 'hex')).update(m.v1.data).digest()));
    // Her commit making the DM and her text; bob's self-update on joining and his reply are not hers.
    expect(fromAlice.length).toBe(2);
    expect(page.messages.length).toBeGreaterThan(2);

    // A second listener is refused while the first serves.
    const second = await runCli(['listen', '--data-dir', alice.dir, '--api-url', apiUrl], PASSPHRASE);
    expect([second.code, second.stderr]).toEqual([1, expect.stringMatching(/^error: Agent\.ListenerRunning: /)]);

    listening.process.kill('SIGINT');
    expect(await listening.exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  }, 300_000);

  it('with no listener a command opens the store itself; a socket file left by a SIGKILLed listener is removed, not taken for a live one', async () => {
    const alice = await newAgent();
    const local = await runCli(['send', bob.inboxId, 'no listener runs', '--data-dir', alice.dir, '--api-url', apiUrl], PASSPHRASE);
    expect(local.code, local.stderr).toBe(0);

    const listening = listen(alice.dir);
    await listening.waitForStderr(/listening; other parley commands/);
    listening.process.kill('SIGKILL');
    expect(await listening.exited).toBe('SIGKILL');
    const socket = join(alice.dir, 'listen.sock');
    expect(lstatSync(socket).isSocket()).toBe(true);

    const afterKill = await runCli(['send', bob.inboxId, 'after the listener was killed', '--data-dir', alice.dir, '--api-url', apiUrl], PASSPHRASE);
    expect(afterKill.code, afterKill.stderr).toBe(0);
    expect(afterKill.stderr).toMatch(/removed .*listen\.sock, left by a listener that was killed/);
    expect(existsSync(socket)).toBe(false);

    // A listener started over a stale socket takes the path over.
    const restarted = listen(alice.dir);
    await restarted.waitForStderr(/listening; other parley commands/);
    restarted.process.kill('SIGKILL');
    await restarted.exited;
    const again = listen(alice.dir);
    await again.waitForStderr(/listening; other parley commands/);
    expect(again.stderr()).toMatch(/removed .*listen\.sock/);
    again.process.kill('SIGINT');
    expect(await again.exited).toBe(0);

    const dm = await bobsDmWith(alice.inboxId);
    expect(textsFrom(await dm.messages(), alice.inboxId)).toEqual(['no listener runs', 'after the listener was killed']);
  }, 300_000);

  it('the listener SIGKILLed in the middle of a burst of sends: every send is answered after retries and bob gets each message exactly once', async () => {
    const alice = await newAgent();
    const listening = listen(alice.dir);
    await listening.waitForStderr(/listening; other parley commands/);
    const texts = Array.from({ length: 6 }, (_, i) => `burst ${i}`);
    const sends = texts.map((text) => runCli(['send', bob.inboxId, text, '--data-dir', alice.dir, '--api-url', apiUrl], PASSPHRASE));
    await Promise.race(sends);
    listening.process.kill('SIGKILL');
    const results = await Promise.all(sends);

    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ids = results.map((r) => (jsonLines(r.stdout)[0] as { id: string }).id);
    expect(new Set(ids).size).toBe(texts.length);
    // The kill landed while requests were in the listener: those callers saw it and retried.
    expect(results.filter((r) => /the listener stopped before answering; retrying/.test(r.stderr)).length).toBeGreaterThan(0);

    const dm = await bobsDmWith(alice.inboxId);
    expect(textsFrom(await dm.messages(), alice.inboxId).sort()).toEqual(texts);
    expect((await dm.messages()).filter((m) => m.kind === 'application').map((m) => m.id).sort()).toEqual([...ids].sort());
  }, 400_000);
});
