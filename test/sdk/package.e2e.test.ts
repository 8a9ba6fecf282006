import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startTestNetwork, type TestNetwork } from '../core/client/clientTestKit';
import { buildExtension, peerReceivesDm } from '../e2e/browser';
import { launchDriver, type DriverPage, type ExtensionDriver } from '../e2e/driver';
import { clickButton, fillLabelled, uiMessage, waitForText } from '../e2e/scenario';

/*
 * The dApp SDK as an outside developer gets it: `npm run pack:sdk` builds and packs
 * @parley/sdk, the example dApp (examples/sdk-dapp, copied out of the repository) installs the
 * tarball with npm, its types check from the installed package under two module resolutions,
 * and the example runs in Chromium and Firefox with the built extension: it connects, DMs a
 * peer who reads it, and shows the peer's reply from its stream.
 */

const root = join(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(join(root, 'src/sdk/package.json'), 'utf8')) as { version: string };
const tarball = join(root, `dist/parley-sdk-${version}.tgz`);
const PASSWORD = 'sdk package e2e password';

let work: string;
let app: string;

beforeAll(() => {
  execFileSync('npm', ['run', 'pack:sdk'], { cwd: root, stdio: 'pipe' });
  work = mkdtempSync(join(tmpdir(), 'parley-sdk-package-'));
  app = join(work, 'sdk-dapp');
  cpSync(join(root, 'examples/sdk-dapp'), app, { recursive: true, filter: (path) => !path.includes('node_modules') });
  // What the README tells a developer: npm install the package file. Nothing else to fetch.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'pipe' });
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the @parley/sdk package', () => {
  it('holds the bundle, its one declaration file, README and LICENSE, and no sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files).toEqual(['package/LICENSE', 'package/README.md', 'package/index.d.ts', 'package/index.js', 'package/index.js.map', 'package/package.json']);
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/@parley/sdk/package.json'), 'utf8')) as { name: string; version: string; dependencies?: unknown };
    // The published manifest points at the built files (src/sdk/package.json at the sources).
    expect(installed).toMatchObject({ name: '@parley/sdk', version, exports: { '.': { types: './index.d.ts', import: './index.js' } } });
    expect(installed.dependencies).toBeUndefined();
    // The bundle stands alone: no import of any other module.
    expect(readFileSync(join(app, 'node_modules/@parley/sdk/index.js'), 'utf8')).not.toMatch(/^\s*import\s/m);
  });

  it.each(['bundler', 'node16'] as const)('types a consumer from the installed package (moduleResolution %s)', (resolution) => {
    writeFileSync(
      join(app, 'consumer.ts'),
      [
        "import { Parley, isXmtpRpcError, XmtpRpcError, type Message, type ParleyClient } from '@parley/sdk';",
        'export const connect: () => Promise<ParleyClient> = Parley.connect;',
        "export const text = (m: Message): string => (m.content.type === 'text' ? m.content.text : '');",
        'export const refused = (e: unknown): boolean => isXmtpRpcError(e) && e instanceof XmtpRpcError && e.userRejected;',
        // Were the types `any`, these would not be errors and tsc would fail on the unused directives.
        '// @ts-expect-error createDm takes an identifier string',
        'export const wrong = async (c: ParleyClient) => (await c.conversations.createDm(1));',
        '// @ts-expect-error no such method',
        'export const missing = (c: ParleyClient) => c.sendEverything();',
      ].join('\n'),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const module = resolution === 'node16' ? 'node16' : 'esnext';
    const result = (() => {
      try {
        return execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', 'false', '--target', 'es2022', '--lib', 'es2022,dom', '--module', module, '--moduleResolution', resolution, 'consumer.ts'], { cwd: app, encoding: 'utf8' });
      } catch (e) {
        throw new Error(`tsc failed:\n${(e as { stdout?: string }).stdout ?? String(e)}`, { cause: e });
      }
    })();
    expect(result).toBe('');
  });
});

describe.each(['chromium', 'firefox'] as const)('the example dApp in %s', { timeout: 180_000 }, (name) => {
  let network: TestNetwork;
  let server: ChildProcess;
  let url: string;
  let driver: ExtensionDriver;
  let dapp: DriverPage;
  let extensionDir: string;

  beforeAll(async () => {
    // A test install's Firefox extension has a random moz-extension origin.
    network = await startTestNetwork({ corsOrigins: ['*'] });
    server = spawn(process.execPath, ['serve.mjs'], { cwd: app, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      server.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    });
    extensionDir = buildExtension(name === 'chromium' ? 'chrome' : 'firefox');
    driver = await launchDriver(name, extensionDir);
    dapp = await driver.openPage(`${url}/`);
  }, 240_000);

  afterAll(async () => {
    await driver?.close();
    server?.kill();
    await network?.stop();
    if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
  });

  it('connects through the approval window, DMs a peer who reads it, and shows the reply it streams', async () => {
    const approval = await driver.extensionWindowOpenedBy(() => clickButton(dapp, 'Connect'));
    await waitForText(approval, 'Create identity');
    await fillLabelled(approval, 'Password', PASSWORD);
    await fillLabelled(approval, 'Confirm password', PASSWORD);
    await clickButton(approval, 'Create identity');
    await waitForText(approval, 'Connect to Parley?');
    expect((await uiMessage(approval, 'settings_set', { nodeUrl: network.url })).ok).toBe(true);
    await clickButton(approval, 'Approve');
    await waitForText(dapp, 'Connected as 0x');

    const peer = await newUser(network);
    await fillLabelled(dapp, 'To', peer.address);
    await fillLabelled(dapp, 'Message', `hello from the package in ${name}`);
    await clickButton(dapp, 'Send');
    await waitForText(dapp, `sent: hello from the package in ${name}`);
    const dm = await peerReceivesDm(peer.client, `hello from the package in ${name}`);
    await dm.sendText('read you');
    await waitForText(dapp, 'received: read you');
    peer.client.close();
  });
});
