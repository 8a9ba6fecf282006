/** parley-node as a separate process (its real CLI), for restart and SIGKILL tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildNode {
  grpcPort: number;
  webPort: number;
  process: ChildProcess;
  /** stderr so far, for failure messages. */
  stderr(): string;
  /** Every stdout line so far. */
  stdoutLines(): string[];
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

const CLI = new URL('../../src/node/cli.ts', import.meta.url).pathname;

export async function spawnNode(args: string[], timeoutMs = 30_000): Promise<ChildNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--web-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const lines = createInterface({ input: child.stdout! });
  const stdoutLines: string[] = [];
  lines.on('line', (line) => stdoutLines.push(line));
  const listening = await new Promise<{ grpcPort: number; webPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${stderr}`)), timeoutMs);
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { event: string; grpcPort: number; webPort: number };
      if (event.event === 'listening') {
        clearTimeout(timer);
        resolve(event);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before listening:\n${stderr}`));
    });
  });
  return { ...listening, process: child, stderr: () => stderr, stdoutLines: () => [...stdoutLines], exited };
}
