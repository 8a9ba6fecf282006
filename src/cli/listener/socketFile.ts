import { lstatSync, unlinkSync, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ParleyError } from '../../core/errors';
import { checkOwner } from '../../agent/privateDataDir';

/** The listener's socket in the data directory. */
export const SOCKET_FILE = 'listen.sock';
/** sun_path holds 108 bytes with its NUL on Linux (104 on macOS). */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * The path to bind or connect to: absolute, or relative to the working directory when only
 * that fits in a socket address; undefined when neither does.
 */
export function socketPathOf(dataDir: string): string | undefined {
  const absolute = resolve(dataDir, SOCKET_FILE);
  const fromCwd = relative(process.cwd(), absolute) || SOCKET_FILE;
  for (const path of [absolute, fromCwd.startsWith('.') || fromCwd.startsWith('/') ? fromCwd : `./${fromCwd}`]) {
    if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return path;
  }
  return undefined;
}

/** The file name for messages (the full path in the data directory). */
export function socketFileIn(dataDir: string): string {
  return join(dataDir, SOCKET_FILE);
}

/**
 * Whether a socket is there to connect to: false when there is none; Agent.Unsafe for something
 * that is not our owner-only socket (a file, a link, another user's socket, one others can
 * open), which is never used.
 */
export function checkSocketFile(path: string): boolean {
  const stat = ownSocketStat(path);
  if (stat === undefined) return false;
  if ((stat.mode & 0o077) !== 0) {
    throw new ParleyError('Agent.Unsafe', 'The listener socket can be opened by other users; it is not used.', {
      details: `${path} mode 0${(stat.mode & 0o777).toString(8)}`,
    });
  }
  return true;
}

/**
 * Removes a socket file no listener serves. Only the store's holder calls this: the store lock
 * proves no live listener has it (a listener holds the store for as long as it serves).
 */
export function removeStaleSocket(path: string): boolean {
  if (ownSocketStat(path) === undefined) return false;
  unlinkSync(path);
  return true;
}

/** The socket file's stat, undefined when there is none; Agent.Unsafe for a non-socket or another user's. */
function ownSocketStat(path: string): Stats | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!stat.isSocket()) throw new ParleyError('Agent.Unsafe', 'The listener socket path holds something else than a socket.', { details: path });
  checkOwner(stat.uid, path);
  return stat;
}
