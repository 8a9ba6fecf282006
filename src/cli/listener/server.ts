import { chmodSync, lstatSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { isParleyError, ParleyError } from '../../core/errors';
import { readLine } from './lineReader';
import { decodeRequest, encodeResponse, type ListenerRequest, type ListenerResponse } from './protocol';

export interface RequestServer {
  close(): Promise<void>;
}

/**
 * Serves the listener socket at `path` (the caller holds the store and removed any stale file):
 * bound under umask 077 and then set to 0600 and checked, inside the 0700 data directory, so
 * only the owner can connect. Requests run one at a time, in arrival order, through `handle`
 * (the same handlers a command runs on its own): the MLS state has one writer.
 */
export async function serveRequests(path: string, handle: (request: ListenerRequest) => Promise<Record<string, unknown>[]>): Promise<RequestServer> {
  let queue: Promise<unknown> = Promise.resolve();
  /** Connections that have not sent a request yet: dropped at close; the others get their answer first. */
  const waiting = new Set<Socket>();
  const server = createServer((socket) => {
    waiting.add(socket);
    socket.on('close', () => waiting.delete(socket));
    socket.on('error', () => socket.destroy());
    void answer(socket);
  });
  const answer = async (socket: Socket) => {
    let response: ListenerResponse;
    try {
      const line = await readLine(socket);
      waiting.delete(socket);
      if (line === undefined) return void socket.destroy();
      const request = decodeRequest(line);
      const run = queue.then(() => handle(request));
      queue = run.catch(() => undefined);
      response = { v: 1, ok: true, lines: await run };
    } catch (e) {
      response = { v: 1, ok: false, error: errorOf(e) };
    }
    let line: string;
    try {
      line = encodeResponse(response);
    } catch (e) {
      line = encodeResponse({ v: 1, ok: false, error: errorOf(e) });
    }
    if (!socket.destroyed) socket.end(line);
  };
  await listenOn(server, path);
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of waiting) socket.destroy();
      // Requests already taken run to the end and are answered: the caller never has to guess.
      await queue;
      await closed;
    },
  };
}

async function listenOn(server: Server, path: string): Promise<void> {
  const umask = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  const mode = lstatSync(path).mode & 0o777;
  if (mode !== 0o600) {
    server.close();
    throw new ParleyError('Agent.Unsafe', 'The listener socket could not be made owner-only.', { details: `${path} mode 0${mode.toString(8)}` });
  }
}

function errorOf(e: unknown): { code: ParleyError['code']; message: string; details?: string } {
  if (isParleyError(e)) return e.details === undefined ? { code: e.code, message: e.shortMessage } : { code: e.code, message: e.shortMessage, details: e.details.slice(0, 4000) };
  return { code: 'Agent.ListenerFailed', message: 'The listener failed to run the command.', details: (e instanceof Error ? e.message : String(e)).slice(0, 4000) };
}
