import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/interop/testEnv.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const glibcLibDir = join(repoRoot, '.cache/glibc/usr/lib/x86_64-linux-gnu');

/** Paths that scripts/setup-interop.sh prepares. */
export const interopPaths = {
  peerDir: join(repoRoot, 'test/interop/peer'),
  driver: join(repoRoot, 'test/interop/peer/driver.mjs'),
  glibcLibDir,
  loader: join(glibcLibDir, 'ld-linux-x86-64.so.2'),
  setupScript: join(repoRoot, 'scripts/setup-interop.sh'),
} as const;

/**
 * The command that runs a node-sdk peer: Node under Debian 13's loader, because the
 * native binding needs glibc >= 2.38 (DESIGN §7).
 */
export function peerCommand(): { file: string; args: string[] } {
  return {
    file: interopPaths.loader,
    args: ['--library-path', interopPaths.glibcLibDir, process.execPath, interopPaths.driver],
  };
}

/**
 * Throws, with the reason and the fix, unless the peers can run. Interop tests call it
 * first so that a broken setup fails them loudly instead of skipping them.
 */
export function requireInteropEnv(): void {
  const setupError = process.env['PARLEY_INTEROP_SETUP_ERROR'];
  if (setupError) {
    throw new Error(`interop setup failed (test/globalSetup.ts ran scripts/setup-interop.sh): ${setupError}`);
  }
  const missing = [interopPaths.loader, join(interopPaths.peerDir, 'node_modules/@xmtp/node-sdk')]
    .filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `interop peers are not set up (missing ${missing.join(', ')}): run 'bash scripts/setup-interop.sh'`,
    );
  }
}

/**
 * The PostgreSQL URL for tests (scripts/setup-postgres.sh, run by test/globalSetup.ts,
 * exports it). Throws with the setup's reason when there is none: never a silent skip.
 */
export function requirePostgresUrl(): string {
  const url = process.env['PARLEY_TEST_POSTGRES_URL'];
  if (url) return url;
  const setupError = process.env['PARLEY_POSTGRES_SETUP_ERROR'] ?? 'PARLEY_TEST_POSTGRES_URL is not set';
  throw new Error(`no test PostgreSQL: ${setupError} (run 'bash scripts/setup-postgres.sh' as root)`);
}
