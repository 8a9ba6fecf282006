/*
 * Wrong vault passwords cost more than the KDF once a few have been tried (the security review):
 * after FREE_FAILURES in a row, each attempt waits for a delay that doubles per failure, capped.
 * The state lives in the vault database's clear metadata beside the keyring, so a worker restart
 * (MV3 stops idle workers) does not start the count over; a right password clears it.
 */

/** Wrong passwords in a row that cost nothing but the KDF: typos happen. */
export const FREE_FAILURES = 3;
export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 5 * 60_000;

/** Stored in the clear in the meta store: it says how many guesses failed, nothing of the password. */
export interface UnlockThrottleMeta {
  name: 'unlockThrottle';
  /** Wrong passwords since the last right one. */
  failures: number;
  /** Milliseconds since the epoch before which no attempt is checked. */
  notBefore: number;
}

/** The wait a run of `failures` wrong passwords earns: 0 for the first few, then 1 s, 2 s, 4 s … capped. */
export function delayAfterFailures(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  // Past 2^30 the cap holds anyway; the exponent stays small so the number stays exact.
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(failures - FREE_FAILURES, 30));
}

/** The state after one more wrong password at `now`. */
export function afterFailure(state: UnlockThrottleMeta | undefined, now: number): UnlockThrottleMeta {
  const failures = (state?.failures ?? 0) + 1;
  return { name: 'unlockThrottle', failures, notBefore: now + delayAfterFailures(failures) };
}

/** How long an attempt at `now` must still wait; 0 when it may be checked. */
export function waitBeforeAttempt(state: UnlockThrottleMeta | undefined, now: number): number {
  if (!state) return 0;
  // A clock set back must not lock the user out for longer than the cap.
  return Math.max(0, Math.min(state.notBefore - now, MAX_DELAY_MS));
}
