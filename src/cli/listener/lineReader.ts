import type { Socket } from 'node:net';
import { ParleyError } from '../../core/errors';
import { MAX_LINE_BYTES } from './protocol';

/**
 * The first line a socket carries (without its newline), read with a cap: undefined when the
 * socket ends or fails first, Agent.BadRequest past MAX_LINE_BYTES.
 */
export function readLine(socket: Socket): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (finish: () => void) => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      finish();
    };
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      const part = newline === -1 ? chunk : chunk.subarray(0, newline);
      size += part.length;
      if (size > MAX_LINE_BYTES) {
        done(() => reject(new ParleyError('Agent.BadRequest', 'The listener socket carried a malformed line.', { details: 'line too long' })));
        return;
      }
      chunks.push(part);
      if (newline !== -1) done(() => resolve(Buffer.concat(chunks).toString('utf8')));
    };
    const onEnd = () => done(() => resolve(undefined));
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onEnd);
  });
}
