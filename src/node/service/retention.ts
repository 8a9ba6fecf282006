import type { Logger } from '../log';
import type { ExpiryCutoffs, NodeStore } from '../storage/types';

/** What the node may expire, and how often it looks. */
export interface RetentionPolicy {
  /**
   * Welcomes older than this are deleted; 0 keeps them for ever. A welcome matters only until
   * its installation has read it; one that old is either read or its key package long gone.
   */
  welcomeMaxAgeMs: number;
  /**
   * A key package whose installation no inbox holds (revoked, or uploaded and never registered)
   * is deleted once it is this old: it is never served, and an upload is registered right after.
   * Expired key packages (notAfter passed) go at once: libxmtp refuses them anyway.
   */
  unownedKeyPackageGraceMs: number;
  /** How often the sweep runs. */
  sweepIntervalMs: number;
}

export const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  welcomeMaxAgeMs: 90 * DAY_MS,
  unownedKeyPackageGraceMs: DAY_MS,
  sweepIntervalMs: 60 * 60 * 1000,
};

/** Rows of each kind per delete statement: a sweep never holds the store for long. */
const SWEEP_BATCH = 5000;

/** The cutoffs `policy` gives at `now`. */
export function expiryCutoffs(policy: RetentionPolicy, now: Date): ExpiryCutoffs {
  const nowMs = now.getTime();
  const cutoffs: ExpiryCutoffs = {
    keyPackagesExpiredBeforeS: BigInt(Math.floor(nowMs / 1000)),
    unownedKeyPackagesStoredBeforeNs: BigInt(nowMs - policy.unownedKeyPackageGraceMs) * 1_000_000n,
    limit: SWEEP_BATCH,
  };
  if (policy.welcomeMaxAgeMs > 0) cutoffs.welcomesStoredBeforeNs = BigInt(nowMs - policy.welcomeMaxAgeMs) * 1_000_000n;
  return cutoffs;
}

/** Deletes everything `policy` lets go at `now`, a batch at a time; answers the totals. */
export async function sweepExpired(store: NodeStore, policy: RetentionPolicy, now: Date): Promise<{ welcomes: number; keyPackages: number }> {
  const cutoffs = expiryCutoffs(policy, now);
  const total = { welcomes: 0, keyPackages: 0 };
  for (;;) {
    const done = await store.deleteExpired(cutoffs);
    total.welcomes += done.welcomes;
    total.keyPackages += done.keyPackages;
    if (done.welcomes < cutoffs.limit && done.keyPackages < cutoffs.limit) return total;
  }
}

export interface RetentionSweeps {
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/** Runs sweepExpired at start and then every `policy.sweepIntervalMs`; failures are logged, not fatal. */
export function startRetentionSweeps(options: { store: NodeStore; policy: RetentionPolicy; now: () => Date; logger: Logger }): RetentionSweeps {
  const { store, policy, now, logger } = options;
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = (): void => {
    if (stopped || running) return;
    running = sweepExpired(store, policy, now())
      .then(
        (done) => {
          if (done.welcomes > 0 || done.keyPackages > 0) logger.info('retention sweep', done);
        },
        (error: unknown) => {
          if (!stopped) logger.warn('retention sweep failed', { error: String(error) });
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(sweep, policy.sweepIntervalMs);
  // The sweep never keeps the process alive by itself.
  timer.unref();
  setImmediate(sweep);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
