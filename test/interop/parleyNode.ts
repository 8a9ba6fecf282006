import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './testEnv';

export interface ParleyNodeOptions {
  /** SQLite data folder; a fresh temporary one (removed by stop()) when not given. */
  dataDir?: string;
  /** PostgreSQL URL: the node stores there instead of SQLite. */
  postgres?: string;
  logLevel?: 'info' | 'debug';
  /** The CLI to run; the real node unless a test swaps in a stand-in. */
  cliPath?: string;
  /** More CLI flags, after the standard ones. */
  extraArgs?: string[];
  /** How long to wait for the `listening` line. */
  readyTimeoutMs?: number;
}

interface Listening {
  grpcPort: number;
  webPort: number;
}

const MAX_LOG_LINES = 5_000;

/**
 * parley-node as a separate process (`node --import tsx src/node/cli.ts`, so that a
 * SIGKILL hits the node itself, not a wrapper), on free loopback ports. It can be killed
 * and restarted on the same data and ports, as a crash and a supervisor would.
 *
 * CLI contract: prints `{"event":"listening","grpcPort":N,"webPort":M}` on stdout when
 * ready; logs on stderr; SIGTERM exits cleanly.
 */
export class ParleyNode {
  /** Everything the node printed besides its listening line, across restarts. */
  readonly log: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private ports: Listening | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly options: ParleyNodeOptions,
  ) {}

  static async start(options: ParleyNodeOptions = {}): Promise<ParleyNode> {
    const cliPath = options.cliPath ?? join(repoRoot, 'src/node/cli.ts');
    if (!existsSync(cliPath)) {
      throw new Error(`parley-node is not there: ${cliPath} does not exist`);
    }
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-node-')));
    const node = new ParleyNode(dataDir, options.dataDir === undefined, { ...options, cliPath });
    await node.launch({ grpcPort: 0, webPort: 0 });
    return node;
  }

  get grpcPort(): number {
    return this.requirePorts().grpcPort;
  }

  get webPort(): number {
    return this.requirePorts().webPort;
  }

  /** What node-sdk's `apiUrl` should be (native gRPC, cleartext HTTP/2). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.grpcPort}`;
  }

  /** The gRPC-web listener, for browser-side clients. */
  get webUrl(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  logTail(lines = 60): string {
    return this.log.slice(-lines).join('\n');
  }

  /** Sends `signal` (SIGKILL unless told) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** Starts the node again on the same data and the same ports, killing it first if needed. */
  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.launch(this.requirePorts());
  }

  /** SIGTERM, then SIGKILL if the node has not exited within `graceMs`; removes a temporary data dir. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.running) {
      this.child!.kill('SIGTERM');
      const ended = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
      if (!ended) await this.kill('SIGKILL');
    }
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  private requirePorts(): Listening {
    if (!this.ports) throw new Error('parley-node has not started');
    return this.ports;
  }

  private async launch(ports: Listening): Promise<void> {
    // A port just released by a killed node can take a moment to be free again.
    for (let attempt = 1; ; attempt++) {
      try {
        this.ports = await this.launchOnce(ports);
        return;
      } catch (error) {
        const busy = /EADDRINUSE/.test(this.logTail(20));
        if (!busy || ports.grpcPort === 0 || attempt >= 10) throw error;
        await delay(500);
      }
    }
  }

  private launchOnce(ports: Listening): Promise<Listening> {
    const args = [
      '--import', 'tsx', this.options.cliPath!,
      '--host', '127.0.0.1',
      '--port', String(ports.grpcPort),
      '--web-port', String(ports.webPort),
      '--log-level', this.options.logLevel ?? 'debug',
    ];
    if (this.options.postgres) args.push('--postgres', this.options.postgres);
    else args.push('--data-dir', this.dataDir);
    args.push(...(this.options.extraArgs ?? []));

    this.log.push(`--- parley-node starting: ${args.slice(2).join(' ')}`);
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;

    return new Promise<Listening>((resolve, reject) => {
      let ready = false;
      const fail = (why: string): void => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`parley-node did not start: ${why}\n--- parley-node log ---\n${this.logTail()}`));
      };
      const timer = setTimeout(() => fail(`no listening line within ${timeoutMs} ms`), timeoutMs);

      this.exited = new Promise((resolveExit) => {
        child.once('close', (code, signal) => {
          this.log.push(`--- parley-node ${signal ? `killed by ${signal}` : `exited with code ${code}`}`);
          fail(signal ? `killed by ${signal}` : `exited with code ${code}`);
          resolveExit();
        });
      });
      child.once('error', (error) => fail(error.message));
      createInterface({ input: child.stderr! }).on('line', (line) => this.addLog(line));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const listening = parseListening(line);
        if (!listening) {
          this.addLog(line);
          return;
        }
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        resolve(listening);
      });
    });
  }

  private addLog(line: string): void {
    this.log.push(line);
    if (this.log.length > MAX_LOG_LINES) this.log.splice(0, this.log.length - MAX_LOG_LINES);
  }
}

function parseListening(line: string): Listening | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { event?: unknown; grpcPort?: unknown; webPort?: unknown };
    if (value.event !== 'listening') return undefined;
    if (typeof value.grpcPort !== 'number' || typeof value.webPort !== 'number') return undefined;
    return { grpcPort: value.grpcPort, webPort: value.webPort };
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
