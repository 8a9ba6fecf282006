import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/args';
import { inboxIdFor } from '../../src/core/identity/inboxId';
import { isParleyError } from '../../src/core/errors';
import { silentLogger } from '../../src/node/log';
import { startNode, type RunningNode } from '../../src/node/node';
import { tempDirs } from '../agent/helpers';
import { jsonLines, runCli, startCli, type RunningCli } from './cliChild';

const dirs = tempDirs('parley-cli-');
const PASSPHRASE = { PARLEY_PASSPHRASE: 'correct horse battery staple' };

describe('parley CLI arguments', () => {
  it('parses each command with the documented defaults', () => {
    expect(parseCommand(['init'], true)).toEqual({ name: 'init', options: { apiUrl: 'http://localhost:5557', dataDir: './.parley' }, insecureStore: false, importKey: false });
    expect(parseCommand(['init', '--insecure-store'])).toMatchObject({ name: 'init', insecureStore: true, importKey: false });
    expect(parseCommand(['init', '--import-key'], true)).toMatchObject({ name: 'init', importKey: true });
    expect(parseCommand(['export-key', '--out', '/tmp/k.json'])).toMatchObject({ name: 'export-key', out: '/tmp/k.json' });
    const inbox = 'ab'.repeat(32);
    expect(parseCommand(['send', inbox, 'hi there', '--data-dir', '/d', '--api-url', 'http://127.0.0.1:9/'])).toEqual({
      name: 'send',
      options: { apiUrl: 'http://127.0.0.1:9', dataDir: '/d' },
      to: inbox,
      message: { kind: 'text', text: 'hi there', markdown: false },
    });
    const msg = 'cd'.repeat(32);
    const group = 'ef'.repeat(16);
    expect(parseCommand(['send', group, '**bold**', '--markdown', '--reply-to', msg])).toMatchObject({ to: group, message: { kind: 'text', text: '**bold**', markdown: true, replyTo: msg } });
    expect(parseCommand(['send', group, '👍', '--react', msg])).toMatchObject({ message: { kind: 'reaction', emoji: '👍', reference: msg } });
    expect(parseCommand(['send', inbox, '--attach', 'photo.png'])).toMatchObject({ message: { kind: 'attachment', file: 'photo.png' } });
    expect(parseCommand(['listen', '--data-dir=/x']).name).toBe('listen');
    expect(parseCommand(['conversations']).name).toBe('conversations');
    expect(parseCommand(['hmac-keys'])).toMatchObject({ name: 'hmac-keys', json: false });
    expect(parseCommand(['hmac-keys', '--json'])).toMatchObject({ name: 'hmac-keys', json: true });
    expect(parseCommand(['update-keys', '0e'.repeat(16)])).toMatchObject({ name: 'update-keys', conversationId: '0e'.repeat(16) });
    expect(parseCommand(['send', '-h'])).toEqual({ name: 'help' });
    expect(parseCommand(['send', inbox, 'again', '--idempotency-key', '1765100000000000001'])).toMatchObject({ idempotencyKeyNs: 1765100000000000001n });
  });

  it('parses the group commands', () => {
    const id = 'ab'.repeat(16);
    const inbox = 'cd'.repeat(32);
    expect(parseCommand(['group', 'create', 'team', inbox, '--permissions', 'admin_only'])).toMatchObject({ name: 'group', action: { op: 'create', name: 'team', members: [inbox], permissions: 'admin_only' } });
    expect(parseCommand(['group', 'permissions', id])).toMatchObject({ action: { op: 'permissions', conversationId: id } });
    expect(parseCommand(['group', 'super-admin', 'remove', id, inbox])).toMatchObject({ action: { op: 'superAdmin', change: 'remove', conversationId: id, inboxId: inbox } });
    expect(parseCommand(['group', 'permission', id, 'updateMetadata', 'admin', 'group_name'])).toMatchObject({
      action: { op: 'permission', conversationId: id, update: 'updateMetadata', option: 'admin', field: 'group_name' },
    });
    const address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
    expect(parseCommand(['group', 'add', id, inbox, address])).toMatchObject({ action: { op: 'add', conversationId: id, members: [inbox, address] } });
    expect(parseCommand(['group', 'remove', id, inbox])).toMatchObject({ action: { op: 'remove', conversationId: id, members: [inbox] } });
    expect(parseCommand(['group', 'rename', id, 'the crew'])).toMatchObject({ action: { op: 'rename', conversationId: id, name: 'the crew' } });
    expect(parseCommand(['group', 'members', id])).toMatchObject({ action: { op: 'members', conversationId: id } });
    for (const argv of [
      ['group', 'add', id],
      ['group', 'remove', id, 'bob'],
      ['group', 'rename', id],
      ['group', 'rename', id, 'x'.repeat(101)],
      ['group', 'members'],
      ['group', 'add', 'not-hex', inbox],
      ['group'],
      ['group', 'create', 'team'],
      ['group', 'create', 'team', 'bob'],
      ['group', 'create', 'team', inbox, '--permissions', 'everyone'],
      ['group', 'permissions', id, '--permissions', 'default'],
      ['group', 'admin', 'promote', id, inbox],
      ['group', 'admin', 'add', id, 'short'],
      ['group', 'permission', id, 'updateMetadata', 'admin'],
      ['group', 'permission', id, 'addMember', 'sometimes'],
      ['send', inbox, 'hi', '--permissions', 'default'],
    ]) {
      expect(() => parseCommand(argv), argv.join(' ')).toThrow(expect.objectContaining({ code: 'Cli.BadArguments' }));
    }
  });

  it('refuses bad arguments with Cli.BadArguments', () => {
    const bad = [
      [],
      ['frobnicate'],
      ['init', 'extra'],
      ['send', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'],
      ['send', 'bob', 'hi'],
      ['send', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', ''],
      ['listen', '--api-url', 'ftp://x'],
      ['listen', '--api-url', 'not a url'],
      ['listen', '--nope'],
      ['listen', '--data-dir', ''],
      ['send', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 'hi', '--idempotency-key', 'soon'],
      ['send', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 'hi', '--idempotency-key', '9223372036854775808'],
      ['listen', '--idempotency-key', '1'],
      ['init'],
      ['listen', '--insecure-store'],
      ['export-key'],
      ['export-key', '--out', ''],
      ['listen', '--import-key'],
      ['conversations', '--out', 'x'],
      ['conversations', '--json'],
      ['hmac-keys', 'extra'],
      ['hmac-keys', '--idempotency-key', '1'],
      ['send', 'ef'.repeat(16), '👍', '--react', 'not hex'],
      ['send', 'ef'.repeat(16), '--react', 'cd'.repeat(32)],
      ['send', 'ef'.repeat(16), '👍', '--react', 'cd'.repeat(32), '--markdown'],
      ['send', 'ef'.repeat(16), 'text too', '--attach', 'a.png'],
      ['send', 'ef'.repeat(16), '--attach', 'a.png', '--markdown'],
      ['send', 'ef'.repeat(16)],
      ['send', 'abc', 'hi'],
      ['listen', '--markdown'],
      ['conversations', '--attach', 'x'],
      ['update-keys'],
      ['update-keys', 'not-hex'],
      ['update-keys', 'ABC'],
      ['update-keys', '0e'.repeat(16), '--idempotency-key', '1'],
    ];
    for (const argv of bad) {
      let caught: unknown;
      try {
        parseCommand(argv);
      } catch (e) {
        caught = e;
      }
      expect(isParleyError(caught, 'Cli.BadArguments'), argv.join(' ')).toBe(true);
    }
    expect(() => parseCommand(['init', '--insecure-store'], true)).toThrow(/contradict/);
  });
});

describe('parley CLI against a parley-node', () => {
  let node: RunningNode;
  let apiUrl: string;
  const running: RunningCli[] = [];

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
  });

  afterAll(async () => {
    for (const cli of running) cli.process.kill('SIGKILL');
    await node?.close();
    dirs.cleanup();
  });

  it('prints usage for --help (exit 0); a bad argument exits 2 with one line that says what was wrong and points to --help', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: parley <command>/);
    expect(help.stdout).toMatch(/IN CLEAR/);

    for (const args of [['send', 'nobody', 'hi'], ['explode'], []]) {
      const failed = await runCli(args);
      expect(failed.code, args.join(' ')).toBe(2);
      expect(failed.stderr).toMatch(/^error: Cli\.BadArguments: .+\. See `parley --help`\.\n$/);
      expect(failed.stderr.split('\n')).toHaveLength(2);
      expect(failed.stderr).not.toMatch(/Usage:/);
      expect(failed.stdout).toBe('');
    }
  }, 120_000);

  it('alice and bob init; alice sends to bob’s address; bob’s listen prints it, and resumes after a restart without repeats; both list the DM', async () => {
    const aliceDir = join(dirs.make(), 'alice');
    const bobDir = join(dirs.make(), 'bob');
    const alice = (...args: string[]) => runCli([...args, '--data-dir', aliceDir, '--api-url', apiUrl]);
    const bob = (...args: string[]) => runCli([...args, '--data-dir', bobDir, '--api-url', apiUrl], PASSPHRASE);

    const aliceInit = await alice('init', '--insecure-store');
    expect(aliceInit.code, aliceInit.stderr).toBe(0);
    expect(aliceInit.stderr).toMatch(/^warning: the wallet key and messages in .* are stored in clear/);
    const bobInit = await bob('init');
    expect(bobInit.code, bobInit.stderr).toBe(0);
    const [aliceId] = jsonLines(aliceInit.stdout) as [{ address: string; inboxId: string; installationId: string }];
    const [bobId] = jsonLines(bobInit.stdout) as [{ address: string; inboxId: string; installationId: string }];
    expect(aliceId.address).toMatch(/^0x[0-9a-f]{40}$/);
    expect(aliceId.inboxId).toBe(inboxIdFor(aliceId.address));
    expect(bobId.inboxId).toBe(inboxIdFor(bobId.address));
    expect(aliceId.installationId).toMatch(/^[0-9a-f]{64}$/);
    // Alice's key is in clear, so owner-only; Bob's is sealed under his passphrase.
    expect(statSync(join(aliceDir, 'wallet.json')).mode & 0o777).toBe(0o600);
    expect(statSync(aliceDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(bobDir, 'wallet.json'), 'utf8')).not.toMatch(/privateKey/);

    const listening = startCli(['listen', '--data-dir', bobDir, '--api-url', apiUrl], PASSPHRASE);
    running.push(listening);
    const sent = await alice('send', bobId.address, 'hello bob, from the CLI');
    expect(sent.code, sent.stderr).toBe(0);
    // A store in clear keeps working, and says what it is each time.
    expect(sent.stderr).toMatch(/stored in clear/);
    const [first] = jsonLines(sent.stdout) as [{ id: string; conversationId: string }];
    expect(first.id).toMatch(/^[0-9a-f]{64}$/);

    const line = await listening.waitFor((l) => l['id'] === first.id);
    expect(line).toMatchObject({
      id: first.id,
      conversationId: first.conversationId,
      senderInboxId: aliceId.inboxId,
      contentType: 'xmtp.org/text:1.0',
      content: { type: 'text', text: 'hello bob, from the CLI' },
    });
    expect(line['sentAtNs']).toMatch(/^[1-9][0-9]{18}$/);
    listening.process.kill('SIGINT');
    expect(await listening.exited).toBe(0);
    expect(listening.lines()).toHaveLength(1);

    // Sent while bob is not listening, to his inbox id this time (the same DM is reused).
    const secondSend = await alice('send', bobId.inboxId, 'are you there?');
    expect(secondSend.code, secondSend.stderr).toBe(0);
    const [second] = jsonLines(secondSend.stdout) as [{ id: string; conversationId: string }];
    expect(second.conversationId).toBe(first.conversationId);

    const again = startCli(['listen', '--data-dir', bobDir, '--api-url', apiUrl], PASSPHRASE);
    running.push(again);
    await again.waitFor((l) => l['id'] === second.id);
    again.process.kill('SIGINT');
    expect(await again.exited).toBe(0);
    // The first message came before the second in the same conversation: a repeat would precede it.
    expect(again.lines().map((l) => l['id'])).toEqual([second.id]);

    const bobConversations = await bob('conversations');
    expect(bobConversations.code, bobConversations.stderr).toBe(0);
    expect(jsonLines(bobConversations.stdout)).toEqual([
      expect.objectContaining({ id: first.conversationId, kind: 'dm', peerInboxId: aliceId.inboxId, isActive: true }),
    ]);
    const aliceConversations = await alice('conversations');
    expect(jsonLines(aliceConversations.stdout)).toEqual([
      expect.objectContaining({ id: first.conversationId, kind: 'dm', peerInboxId: bobId.inboxId, consentState: 'allowed' }),
    ]);

    // Push-filter keys as text: the DM's topic and the previous, current and next periods' keys.
    const keys = await alice('hmac-keys');
    expect(keys.code, keys.stderr).toBe(0);
    const [topic, ...periods] = keys.stdout.trimEnd().split(' ');
    expect(keys.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(topic).toBe(`/xmtp/mls/1/g-${first.conversationId}/proto`);
    const epochs = periods.map((p) => Number(p.split(':')[0]));
    expect(epochs[1]).toBe(Math.floor(Date.now() / 1000 / (30 * 24 * 3600)));
    expect(epochs).toEqual([epochs[1]! - 1, epochs[1], epochs[1]! + 1]);
    for (const p of periods) expect(p.split(':')[1]).toMatch(/^[0-9a-f]{84}$/);

    // Errors: typed codes on stderr, exit 1.
    const twice = await alice('init', '--insecure-store');
    expect([twice.code, twice.stderr.split('\n').find((l) => l.startsWith('error: '))]).toEqual([1, 'error: Agent.AlreadyInitialized: This data directory already holds a registered agent.']);
    const noPassphrase = await runCli(['conversations', '--data-dir', bobDir, '--api-url', apiUrl]);
    expect([noPassphrase.code, noPassphrase.stderr]).toEqual([1, expect.stringMatching(/^error: Agent\.KeyRequired: /)]);
    const wrongPassphrase = await runCli(['conversations', '--data-dir', bobDir, '--api-url', apiUrl], { PARLEY_PASSPHRASE: 'wrong' });
    expect([wrongPassphrase.code, wrongPassphrase.stderr]).toEqual([1, expect.stringMatching(/^error: Agent\.WrongKey: /)]);
  }, 240_000);

  it('update-keys: bob replaces his keys in the DM (a new epoch); alice, who applies his commit, still reaches him', { timeout: 90_000 }, async () => {
    const aliceDir = join(dirs.make(), 'alice');
    const bobDir = join(dirs.make(), 'bob');
    const alice = (...args: string[]) => runCli([...args, '--data-dir', aliceDir, '--api-url', apiUrl]);
    const bob = (...args: string[]) => runCli([...args, '--data-dir', bobDir, '--api-url', apiUrl]);
    expect((await alice('init', '--insecure-store')).code).toBe(0);
    const [bobId] = jsonLines((await bob('init', '--insecure-store')).stdout) as [{ address: string }];
    const [first] = jsonLines((await alice('send', bobId.address, 'before')).stdout) as [{ conversationId: string }];

    const updated = await bob('update-keys', first.conversationId);
    expect(updated.code, updated.stderr).toBe(0);
    // Alice's add was epoch 1, bob's self-update on joining (his first sync) 2, this one 3.
    expect(jsonLines(updated.stdout)).toEqual([{ conversationId: first.conversationId, epoch: '3' }]);

    const [sent] = jsonLines((await alice('send', bobId.address, 'after your update')).stdout) as [{ id: string }];
    const listening = startCli(['listen', '--data-dir', bobDir, '--api-url', apiUrl]);
    running.push(listening);
    expect(await listening.waitFor((l) => l['id'] === sent.id)).toMatchObject({ content: { type: 'text', text: 'after your update' } });
    listening.process.kill('SIGINT');
    expect(await listening.exited).toBe(0);

    const unknown = await bob('update-keys', 'ab'.repeat(16));
    expect([unknown.code, unknown.stderr.split('\n').find((l) => l.startsWith('error: '))]).toEqual([1, 'error: Client.NotFound: No conversation with this id.']);
  });

  it('a pre-existing world-readable --data-dir is made 0700 at init and its files 0600, with a warning; loosened again later, the next command tightens it again', async () => {
    const dir = join(dirs.make(), 'loose');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.txt'), 'left here by hand\n', { mode: 0o644 });
    chmodSync(join(dir, 'notes.txt'), 0o644);
    const init = await runCli(['init', '--data-dir', dir, '--api-url', apiUrl], PASSPHRASE);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toMatch(/warning: the data directory .* was readable by others \(mode 0755\); it is now 0700/);
    expect(init.stderr).toMatch(/notes\.txt was readable by others \(mode 0644\); it is now 0600/);
    const modes = () => Object.fromEntries(['.', ...readdirSync(dir)].map((name) => [name, statSync(join(dir, name)).mode & 0o777]));
    expect(modes()).toEqual({ '.': 0o700, 'notes.txt': 0o600, 'wallet.json': 0o600, 'client.sqlite': 0o600 });

    chmodSync(dir, 0o777);
    chmodSync(join(dir, 'client.sqlite'), 0o666);
    const listed = await runCli(['conversations', '--data-dir', dir, '--api-url', apiUrl], PASSPHRASE);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toMatch(/mode 0777\); it is now 0700/);
    expect(listed.stderr).toMatch(/client\.sqlite was readable by others \(mode 0666\); it is now 0600/);
    expect(modes()).toEqual({ '.': 0o700, 'notes.txt': 0o600, 'wallet.json': 0o600, 'client.sqlite': 0o600 });
  }, 120_000);

  it('alice makes a group with bob, makes him an admin and tightens a policy; bob, not a super admin, is refused a policy change', { timeout: 240_000 }, async () => {
    const aliceDir = join(dirs.make(), 'alice');
    const bobDir = join(dirs.make(), 'bob');
    const alice = (...args: string[]) => runCli([...args, '--data-dir', aliceDir, '--api-url', apiUrl], PASSPHRASE);
    const bob = (...args: string[]) => runCli([...args, '--data-dir', bobDir, '--api-url', apiUrl], PASSPHRASE);
    const [aliceInit, bobInit] = [await alice('init'), await bob('init')];
    const [aliceId] = jsonLines(aliceInit.stdout) as [{ inboxId: string }];
    const [bobId] = jsonLines(bobInit.stdout) as [{ inboxId: string; address: string }];

    const created = await alice('group', 'create', 'crew', bobId.address, '--permissions', 'admin_only');
    expect(created.code, created.stderr).toBe(0);
    const [group] = jsonLines(created.stdout) as [{ id: string; name: string; preset: string; superAdminInboxIds: string[] }];
    expect(group).toMatchObject({ name: 'crew', preset: 'admin_only', superAdminInboxIds: [aliceId.inboxId] });

    const promoted = await alice('group', 'admin', 'add', group.id, bobId.inboxId);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(jsonLines(promoted.stdout)[0]).toMatchObject({ adminInboxIds: [bobId.inboxId] });
    const tightened = await alice('group', 'permission', group.id, 'updateMetadata', 'superAdmin', 'group_name');
    expect(jsonLines(tightened.stdout)[0]).toMatchObject({ preset: 'custom', policies: { updateMetadata: { group_name: 'superAdmin' } } });

    // Bob joins and sees the same roles; a policy change needs a super admin.
    const seen = await bob('group', 'permissions', group.id);
    expect(seen.code, seen.stderr).toBe(0);
    expect(jsonLines(seen.stdout)[0]).toMatchObject({ adminInboxIds: [bobId.inboxId], policies: { updateMetadata: { group_name: 'superAdmin' } } });
    const refused = await bob('group', 'permission', group.id, 'addMember', 'allow');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Group\.PermissionDenied: This group’s permissions do not let you change the group’s permissions\./);
  });

  it('reports a missing identity and an unreachable node with typed codes and exit 1', async () => {
    const empty = await runCli(['listen', '--data-dir', join(dirs.make(), 'none'), '--api-url', apiUrl]);
    expect([empty.code, empty.stderr]).toEqual([1, expect.stringMatching(/^error: Agent\.NotInitialized: /)]);

    const carolDir = join(dirs.make(), 'carol');
    const unreachable = await runCli(['init', '--insecure-store', '--data-dir', carolDir, '--api-url', 'http://127.0.0.1:1']);
    expect([unreachable.code, unreachable.stderr]).toEqual([1, expect.stringMatching(/^warning: .* stored in clear.*\nerror: Api\.Network: /)]);
    // The identity made before the failure is kept, and a later init registers it.
    const address = (JSON.parse(readFileSync(join(carolDir, 'wallet.json'), 'utf8')) as { address: string }).address;
    const resumed = await runCli(['init', '--insecure-store', '--data-dir', carolDir, '--api-url', apiUrl]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout)).toEqual([expect.objectContaining({ address, inboxId: inboxIdFor(address) })]);
  }, 120_000);
});
