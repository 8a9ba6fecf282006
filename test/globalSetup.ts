import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './interop/testEnv';

/**
 * Prepares what some tests need from outside Node: node-sdk peers under Debian 13's loader,
 * a PostgreSQL database, and Debian's Chromium and Firefox ESR. The scripts are idempotent and
 * take well under a second once done, so this runs before every vitest run (`npm test`, CI, or
 * a single file).
 *
 * A failed step does not stop the run: it is handed to the tests that need it through an
 * environment variable, and they fail with that reason (see test/interop/testEnv.ts).
 * Workers inherit process.env as it is after this function.
 */
export default function setup(): void {
  const interop = runScript('setup-interop.sh');
  if (!interop.ok) process.env['PARLEY_INTEROP_SETUP_ERROR'] = interop.reason;

  const postgres = runScript('setup-postgres.sh');
  const url = postgres.stdout.trim().split('\n').pop();
  if (postgres.ok && url) {
    process.env['PARLEY_TEST_POSTGRES_URL'] = url;
  } else {
    // A preset URL that does not answer is no database: the tests get the reason instead.
    delete process.env['PARLEY_TEST_POSTGRES_URL'];
    process.env['PARLEY_POSTGRES_SETUP_ERROR'] = postgres.reason || 'the script printed no URL';
  }

  // Debian's chromium and firefox-esr for the extension's end-to-end tests (test/e2e).
  const browsers = runScript('setup-browsers.sh');
  const paths = new Map(
    browsers.stdout.split('\n').map((line): [string, string] => {
      const [name = '', path = ''] = line.trim().split(' ');
      return [name, path];
    }),
  );
  const chromium = paths.get('chromium');
  const firefox = paths.get('firefox');
  if (browsers.ok && chromium && firefox) {
    process.env['PARLEY_CHROMIUM'] = chromium;
    process.env['PARLEY_FIREFOX'] = firefox;
  } else {
    process.env['PARLEY_BROWSERS_SETUP_ERROR'] = browsers.reason || 'the script printed no paths';
  }
}

function runScript(name: string): { ok: boolean; stdout: string; reason: string } {
  // stderr is inherited: the scripts' progress lines show as they happen.
  const result = spawnSync('bash', [join(repoRoot, 'scripts', name)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    // Bounded so a stuck step fails the tests that need it, not the whole CI budget; above the
    // scripts' 13-minute lock wait, so a held lock is reported as such rather than as ETIMEDOUT.
    timeout: 15 * 60_000,
  });
  if (result.error) return { ok: false, stdout: '', reason: `${name}: ${result.error.message}` };
  if (result.status !== 0) {
    const failed = result.stdout.split('\n').filter((line) => line.startsWith('FAILED: ')).pop();
    const why = failed?.slice('FAILED: '.length) ?? `exited with ${result.status ?? result.signal}`;
    return { ok: false, stdout: result.stdout, reason: `${name}: ${why}` };
  }
  return { ok: true, stdout: result.stdout, reason: '' };
}
