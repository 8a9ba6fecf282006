/**
 * `npm start`: everything a developer needs to try Parley, in one terminal —
 *   parley-node (SQLite in ./.parley-node, native gRPC on 5556, gRPC-web on 5557),
 *   a watch build of the extension into dist/chrome (load it unpacked),
 *   the demo dApp at http://localhost:5173.
 * Prints where each is once all three are up; Ctrl-C (or SIGTERM) stops all three. If one of
 * them dies, the others are stopped too and the exit code is 1.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const VITE = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const TSX = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** How long a child gets to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

const USAGE = `Usage: npm start [-- options]

  --port N        parley-node native gRPC port (default 5556)
  --web-port N    parley-node gRPC-web port, the extension's node URL (default 5557)
  --data-dir DIR  parley-node SQLite directory (default ./.parley-node)
  --demo-port N   demo dApp port (default 5173)
  --out-dir DIR   where the extension is built (default dist/chrome)
`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5556' },
    'web-port': { type: 'string', default: '5557' },
    'data-dir': { type: 'string', default: '.parley-node' },
    'demo-port': { type: 'string', default: '5173' },
    'out-dir': { type: 'string', default: join('dist', 'chrome') },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
for (const bin of [VITE, TSX]) {
  if (!existsSync(bin)) {
    console.error(`[start] ${relative(root, bin)} is missing: run npm install first.`);
    process.exit(1);
  }
}

const outDir = resolve(root, values['out-dir']);
const webPort = values['web-port'];
const demoUrl = `http://localhost:${values['demo-port']}`;

interface Part {
  name: string;
  args: string[];
  /** True when an output line says the part is up. */
  ready: (line: string) => boolean;
}

const parts: Part[] = [
  {
    name: 'node',
    args: [TSX, 'src/node/cli.ts', '--port', values.port, '--web-port', webPort, '--data-dir', values['data-dir']],
    ready: (line) => line.includes('"event":"listening"'),
  },
  {
    name: 'extension',
    // emptyOutDir: vite refuses to clear a folder outside its root unless told to.
    args: [VITE, 'build', '--watch', '--outDir', outDir, '--emptyOutDir'],
    ready: (line) => /built in/.test(line),
  },
  {
    name: 'demo',
    args: [VITE, '--config', 'demo/vite.config.ts', '--port', values['demo-port'], '--strictPort'],
    ready: (line) => /ready in|Local:/.test(line),
  },
];

const children = new Map<string, ChildProcess>();
const waitingFor = new Set(parts.map((p) => p.name));
let stopping = false;

/** A path as short as it can be said from where `npm start` ran. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function banner(): void {
  const nodeUrl = `http://localhost:${webPort}`;
  const lines = [
    '',
    'Parley is running:',
    `  network node   gRPC 127.0.0.1:${values.port}, gRPC-web ${nodeUrl} (data in ${values['data-dir']})`,
    `  extension      ${shown(outDir)} — chrome://extensions → Developer mode → Load unpacked → pick that folder (it rebuilds on change; press the reload arrow)`,
    `  demo dApp      ${demoUrl}`,
    webPort === '5557' ? '' : `  In the extension's Settings, set the node URL to ${nodeUrl}.`,
    'Ctrl-C stops all three.',
    '',
  ];
  console.log(lines.filter((l, i) => l !== '' || i === 0 || i === lines.length - 1).join('\n'));
}

function launch(part: Part): void {
  const child = spawn(process.execPath, part.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.env['FORCE_COLOR'] ?? '1' } });
  children.set(part.name, child);
  const onLine = (line: string): void => {
    console.log(`[${part.name}] ${line}`);
    if (waitingFor.has(part.name) && part.ready(line)) {
      waitingFor.delete(part.name);
      if (waitingFor.size === 0) banner();
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  child.on('exit', (code, signal) => {
    children.delete(part.name);
    if (stopping) return;
    console.error(`[start] ${part.name} exited (${signal ?? `code ${code}`}); stopping the others.`);
    void stop(1);
  });
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  console.log('[start] stopped.');
  process.exit(exitCode);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// A wrapper that dies without passing its signal on (npm stopped with SIGTERM kills only its
// shell) leaves this process orphaned: that too means stop, or the three would outlive it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 1000).unref();
for (const part of parts) launch(part);
