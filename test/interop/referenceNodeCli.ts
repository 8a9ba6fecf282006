// The reference node (referenceNode.ts) behind parley-node's process contract, so that
// the interop suite can run against it as a control: when the suite passes here and fails
// on parley-node, the fault is the node's. Journal in DATA_DIR/journal.jsonl.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ReferenceNode } from './referenceNode';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5556' },
    'web-port': { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.parley-node' },
    'log-level': { type: 'string', default: 'info' },
  },
});

mkdirSync(values['data-dir'], { recursive: true });
const node = await ReferenceNode.start({
  port: Number(values.port),
  journalPath: join(values['data-dir'], 'journal.jsonl'),
});
if (values['log-level'] === 'debug') {
  // One line per call, as parley-node logs at debug.
  const record = node.calls.push.bind(node.calls);
  node.calls.push = (...calls) => {
    for (const call of calls) console.error(`reference-node: ${call.method} (${call.request.length} bytes)`);
    return record(...calls);
  };
}
// The handler goes in before the listening line: a SIGTERM may follow that line at once.
process.once('SIGTERM', () => {
  void node.stop().then(() => process.exit(0));
});
// No gRPC-web listener here: webPort 0 says so.
console.log(JSON.stringify({ event: 'listening', grpcPort: node.port, webPort: 0 }));
