/**
 * The baseline for bench/node.bench.ts: a bare WebSocket fan-out server with no storage, no
 * validation and no protobuf. A client whose first message is "sub" becomes a subscriber; any
 * other message is broadcast to every subscriber and acknowledged to its sender with "ok".
 * Prints {"event":"listening","port":N} once up.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const subscribers = new Set<WebSocket>();

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'sub') {
      subscribers.add(socket);
      socket.on('close', () => subscribers.delete(socket));
      return;
    }
    for (const s of subscribers) s.send(data, { binary: true });
    socket.send('ok');
  });
});

server.on('listening', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
