import { chmodSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ParleyError } from '../core/errors';

/**
 * Makes an agent's data directory owner-only: the directory 0700, each regular file in it 0600.
 * A directory or file that was looser (made by hand, or by an older Parley under a loose umask)
 * is tightened and `warn` says so; one owned by another user is refused (Agent.Unsafe), since
 * its owner could read or swap the keys. A missing directory is left to the caller.
 */
export function securePrivateDir(dir: string, warn: (message: string) => void): void {
  let stat;
  try {
    stat = statSync(dir);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return;
    throw e;
  }
  if (!stat.isDirectory()) throw new ParleyError('Agent.Unsafe', 'The data directory is not a directory.', { details: dir });
  checkOwner(stat.uid, dir);
  if ((stat.mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    warn(`the data directory ${dir} was readable by others (mode ${octal(stat.mode)}); it is now 0700`);
  }
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const entry = lstatSync(path);
    if (!entry.isFile()) continue;
    checkOwner(entry.uid, path);
    if ((entry.mode & 0o077) !== 0) {
      chmodSync(path, 0o600);
      warn(`${path} was readable by others (mode ${octal(entry.mode)}); it is now 0600`);
    }
  }
}

/** Refuses a path owned by another user (where uids exist). */
export function checkOwner(uid: number, path: string): void {
  const own = process.getuid?.();
  if (own !== undefined && uid !== own) {
    throw new ParleyError('Agent.Unsafe', 'This path belongs to another user.', { details: `${path} (uid ${uid}, not ${own})` });
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
