import { describe, expect, it } from 'vitest';
import { delayAfterFailures, MAX_DELAY_MS } from '../../../src/background/vault/unlockThrottle';
import { Vault } from '../../../src/background/vault/vault';
import { ParleyError } from '../../../src/core/errors';
import { freshDbName, memorySession, PASSWORD } from './helpers';

/** A vault over a clock the test moves; `restart` opens the same database as a new worker would. */
async function lockedVault() {
  const dbName = freshDbName();
  const session = memorySession();
  const clock = { now: 1_800_000_000_000 };
  const open = () => Vault.open({ dbName, session, now: () => clock.now });
  const vault = await open();
  await vault.create(PASSWORD);
  await vault.lock();
  return { vault, clock, restart: async (old: Vault) => (old.close(), open()) };
}

async function failure(attempt: Promise<void>): Promise<ParleyError> {
  const e = await attempt.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ParleyError);
  return e as ParleyError;
}

describe('wrong vault passwords', () => {
  it('wait 1 s, 2 s, 4 s … after the third in a row, capped at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6].map(delayAfterFailures)).toEqual([0, 0, 1_000, 2_000, 4_000, 8_000]);
    expect(delayAfterFailures(12)).toBe(MAX_DELAY_MS);
    expect(delayAfterFailures(10_000)).toBe(MAX_DELAY_MS);
  });

  it('are refused with Vault.Throttled and the time to wait, a right password too, until the wait is over', async () => {
    const { vault, clock } = await lockedVault();
    for (let i = 0; i < 3; i++) expect((await failure(vault.unlock('wrong password'))).code).toBe('Vault.WrongPassword');
    const throttled = await failure(vault.unlock(PASSWORD));
    expect(throttled.code).toBe('Vault.Throttled');
    expect(throttled.retryAfterMs).toBe(1_000);
    expect(vault.isUnlocked).toBe(false);

    clock.now += 400;
    expect((await failure(vault.unlock(PASSWORD))).retryAfterMs).toBe(600);
    clock.now += 600;
    expect((await failure(vault.unlock('wrong password'))).code).toBe('Vault.WrongPassword');
    expect((await failure(vault.unlock('wrong password'))).retryAfterMs).toBe(2_000);
  });

  it('refuse parallel guesses once the count is reached: attempts are checked one at a time', async () => {
    const { vault } = await lockedVault();
    const codes = (await Promise.all(Array.from({ length: 6 }, () => failure(vault.unlock('wrong password'))))).map((e) => e.code);
    expect(codes).toEqual(['Vault.WrongPassword', 'Vault.WrongPassword', 'Vault.WrongPassword', 'Vault.Throttled', 'Vault.Throttled', 'Vault.Throttled']);
  });

  it('keep their count and wait across a restart of the worker', async () => {
    const { vault, clock, restart } = await lockedVault();
    for (let i = 0; i < 3; i++) await failure(vault.unlock('wrong password'));
    const again = await restart(vault);
    expect((await failure(again.unlock(PASSWORD))).code).toBe('Vault.Throttled');
    clock.now += 1_000;
    expect((await failure(again.unlock('wrong password'))).code).toBe('Vault.WrongPassword');
    const third = await restart(again);
    expect((await failure(third.unlock(PASSWORD))).retryAfterMs).toBe(2_000);
  });

  it('start over after a right password', async () => {
    const { vault, clock, restart } = await lockedVault();
    for (let i = 0; i < 3; i++) await failure(vault.unlock('wrong password'));
    clock.now += 1_000;
    await vault.unlock(PASSWORD);
    await vault.lock();
    const again = await restart(vault);
    for (let i = 0; i < 3; i++) expect((await failure(again.unlock('wrong password'))).code).toBe('Vault.WrongPassword');
    expect((await failure(again.unlock(PASSWORD))).code).toBe('Vault.Throttled');
  });
});
