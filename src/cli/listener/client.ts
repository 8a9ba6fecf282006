import { connect } from 'node:net';
import { readLine } from './lineReader';
import { decodeResponse, encodeRequest, type ListenerRequest, type ListenerResponse } from './protocol';

export type ListenerAnswer =
  /** Nothing listens at the path (no file, or a stale one). */
  | { kind: 'none' }
  /** The listener took the request and went away before answering: the request may or may not have run. */
  | { kind: 'lost' }
  | { kind: 'answer'; response: ListenerResponse };

/** Sends one request to the listener at `path` (checked by the caller) and reads its answer. */
export function askListener(path: string, request: ListenerRequest): Promise<ListenerAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let connected = false;
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (connected) return;
      // A socket file whose listener died refuses connections; a removed one is not there; one
      // killed while accepting resets the connection. Nothing was written yet in any of these.
      if (isGone(e)) resolve({ kind: 'none' });
      else reject(e);
    });
    socket.once('connect', () => {
      connected = true;
      socket.on('error', () => undefined);
      socket.write(encodeRequest(request));
      readLine(socket).then(
        (line) => {
          socket.destroy();
          if (line === undefined) resolve({ kind: 'lost' });
          else resolve({ kind: 'answer', response: decodeResponse(line) });
        },
        (e: unknown) => {
          socket.destroy();
          reject(e);
        },
      );
    });
  });
}

/** Whether a listener accepts connections at `path` (a stale socket file refuses them). */
export function isListening(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (isGone(e)) resolve(false);
      else reject(e);
    });
  });
}

function isGone(e: NodeJS.ErrnoException): boolean {
  return e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'ECONNRESET' || e.code === 'EPIPE';
}
