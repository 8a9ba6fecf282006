import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWalletPrivateKey } from '../../src/core/identity';
import { newUser, startTestNetwork, type TestNetwork } from '../core/client/clientTestKit';
import { tempDirs } from '../agent/helpers';
import { jsonLines, runCli } from './cliChild';

// An agent's identity moves in and out: `init --import-key` registers a given wallet key (from
// the environment, never argv), `export-key --out` writes it to a new owner-only file.

const dirs = tempDirs('parley-cli-keys-');
const PASSPHRASE = 'key moving passphrase';
let network: TestNetwork;

beforeAll(async () => {
  network = await startTestNetwork();
});

afterAll(async () => {
  await network.stop();
  dirs.cleanup();
});

describe('parley init --import-key and export-key', { timeout: 180_000 }, () => {
  it('registers the imported key, exports the same key to a new 0600 file, and never overwrites one', async () => {
    const key = generateWalletPrivateKey();
    const dataDir = join(dirs.make(), 'agent');
    const run = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--data-dir', dataDir, '--api-url', network.url], { PARLEY_PASSPHRASE: PASSPHRASE, ...env });

    const init = await run(['init', '--import-key'], { PARLEY_WALLET_KEY: key });
    expect(init.code, init.stderr).toBe(0);
    const [made] = jsonLines(init.stdout) as [{ address: string; inboxId: string }];
    expect(made.address).toBe(privateKeyToAddress(key).toLowerCase());
    // The network knows the imported identity: another client can message it.
    const peer = await newUser(network);
    expect((await peer.client.canMessage([made.address])).get(made.address)).toBe(true);
    peer.client.close();

    const out = join(dirs.make(), 'moved-key.json');
    const exported = await run(['export-key', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(jsonLines(exported.stdout)).toEqual([{ address: made.address, file: out }]);
    expect(exported.stdout).not.toContain(key.slice(2));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ address: made.address, privateKey: key });

    const again = await run(['export-key', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: Cli\.BadArguments: The --out file exists already/m);

    const wrong = await runCli(['export-key', '--out', join(dirs.make(), 'k.json'), '--data-dir', dataDir], { PARLEY_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: Agent\.WrongKey: /m);
  });

  it('refuses --import-key without a well-formed PARLEY_WALLET_KEY, in one line', async () => {
    const dataDir = join(dirs.make(), 'agent');
    for (const env of [{}, { PARLEY_WALLET_KEY: '0x1234' }, { PARLEY_WALLET_KEY: 'ab'.repeat(32) }]) {
      const result = await runCli(['init', '--import-key', '--data-dir', dataDir, '--api-url', network.url], { PARLEY_PASSPHRASE: PASSPHRASE, ...env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: Cli\.BadArguments: --import-key needs PARLEY_WALLET_KEY/);
      expect(result.stderr.split('\n')).toHaveLength(2);
    }
  });
});
