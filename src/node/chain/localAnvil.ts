import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A local EVM chain for development and tests: anvil from npm (`@foundry-rs/anvil`), the engine
 * xmtpd's own dev setup runs. Production nodes never start this; they take a chain RPC URL.
 */
export interface LocalAnvil {
  /** HTTP JSON-RPC, e.g. http://127.0.0.1:41691 */
  readonly rpcUrl: string;
  /** WebSocket JSON-RPC on the same port */
  readonly wsUrl: string;
  readonly chainId: number;
  readonly pid: number;
  /** anvil's deterministic dev accounts' private keys (the "test test … junk" mnemonic), index 0 first */
  readonly accountKeys: readonly `0x${string}`[];
  /** SIGTERM, then SIGKILL after 2 s; resolves once the process has exited */
  stop(): Promise<void>;
}

export interface LocalAnvilOptions {
  /** 0 (the default) lets the OS pick a free port */
  port?: number;
  host?: string;
  /** seconds between blocks; omitted = instant mining (one block per transaction) */
  blockTime?: number;
  /** with blockTime: also mine each transaction at once, as xmtpd's dev image does */
  mixedMining?: boolean;
  /** a file the chain state is loaded from and dumped to on exit, so a restart keeps the chain */
  stateFile?: string;
  chainId?: number;
  /** dev accounts to fund (anvil's default is 10) */
  accounts?: number;
  /** how long to wait for "Listening on"; default 15 s */
  readyTimeoutMs?: number;
}

export class LocalAnvilError extends Error {
  readonly code = 'Chain.LocalChainFailed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalAnvilError';
  }
}

/** The platform binary npm installed as an optional dependency of @foundry-rs/anvil. */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'anvil');
  } catch (cause) {
    throw new LocalAnvilError(`anvil is not installed for ${process.platform}-${process.arch} (${pkg}); run npm install`, { cause });
  }
}

// anvil's well-known dev keys for the default mnemonic: fixed facts of the tool, printed by `anvil` at start.
const DEV_KEYS: readonly `0x${string}`[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];

/** Starts anvil and resolves once it accepts JSON-RPC. */
export async function startLocalAnvil(options: LocalAnvilOptions = {}): Promise<LocalAnvil> {
  const host = options.host ?? '127.0.0.1';
  const chainId = options.chainId ?? 31337;
  const args = ['--host', host, '--port', String(options.port ?? 0), '--chain-id', String(chainId)];
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.mixedMining) args.push('--mixed-mining');
  if (options.stateFile) args.push('--state', options.stateFile);
  if (options.accounts !== undefined) args.push('--accounts', String(options.accounts));
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await waitForListening(child, options.readyTimeoutMs ?? 15_000);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    rpcUrl: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}`,
    chainId,
    pid: child.pid ?? -1,
    accountKeys: DEV_KEYS.slice(0, options.accounts ?? 10),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new LocalAnvilError(`anvil did not start within ${timeoutMs} ms: ${output.slice(-500)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Listening on [^\s:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        // keep draining so a full pipe never blocks anvil
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.once('error', (cause) => { clearTimeout(timer); reject(new LocalAnvilError(`anvil failed to start: ${cause.message}`, { cause })); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new LocalAnvilError(`anvil exited before it was ready (code ${code}, signal ${signal}): ${output.slice(-500)}`));
    });
  });
}
