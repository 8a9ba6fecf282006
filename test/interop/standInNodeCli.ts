// A stand-in for src/node/cli.ts that keeps only its process contract (flags, the
// listening line, stderr logs, SIGTERM), to test ParleyNode without the real node.
// It appends one line per start to DATA_DIR/starts.log, so restarts on the same data show.
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5556' },
    'web-port': { type: 'string', default: '5557' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.parley-node' },
    postgres: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'exit-at-start': { type: 'boolean', default: false },
  },
});

if (values['exit-at-start']) {
  console.error('stand-in: refusing to start, as asked');
  process.exit(3);
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end());
    server.once('error', reject);
    server.listen(port, values.host, () => resolve(server));
  });
}

const grpc = await listen(Number(values.port));
const web = await listen(Number(values['web-port']));
const startsFile = join(values['data-dir'], 'starts.log');
appendFileSync(startsFile, `${process.pid}\n`);
const starts = readFileSync(startsFile, 'utf8').trim().split('\n').length;
console.error(`stand-in: start ${starts} with log level ${values['log-level']}`);
// The handler goes in before the listening line: a SIGTERM may follow that line at once.
process.once('SIGTERM', () => {
  console.error('stand-in: SIGTERM, closing');
  grpc.close();
  web.close();
  process.exit(0);
});
console.log(JSON.stringify({
  event: 'listening',
  grpcPort: (grpc.address() as { port: number }).port,
  webPort: (web.address() as { port: number }).port,
}));
