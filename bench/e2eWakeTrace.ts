import { stopWorker } from '../test/e2e/browser';
import type { BenchProfile } from './e2eProfiles';
import { hottest, markTimes, startTrace, threadSamples, type HotFunction, type TraceEvent } from './e2eTrace';

/** Where one wake's time went, from a Chromium trace of it (ms). */
export interface WakePhases {
  /** The page's request until its answer, as the page timed it (tracing slows it a little). */
  totalMs: number;
  /** The page's request until the browser starts the worker (port connect, worker lookup). */
  untilStartMs: number;
  /** V8 compiling the worker's modules. */
  compileMs: number;
  /** Running the modules' top-level code, before any listener exists. */
  evaluateMs: number;
  /** The rest of the start-up: reading the installed scripts, the worker thread, tasks between. */
  otherStartMs: number;
  /** After the top-level code: the worker's async set-up, the request, the answer's way back. */
  afterEvaluateMs: number;
  hotDuringEvaluate: HotFunction[];
  hotAfterEvaluate: HotFunction[];
}

/**
 * Stops the worker, then traces one wake-to-answer and splits it into phases by the worker
 * thread's events. Run it apart from the timed wakes: tracing and sampling cost time too.
 */
export async function traceOneWake(profile: BenchProfile): Promise<WakePhases> {
  await stopWorker(profile.browser, profile.extensionPage);
  const trace = await startTrace(profile);
  // The trace is stopped whatever the request does.
  const outcome = await profile.dapp.evaluate(() => (window as unknown as { benchGetInbox(): Promise<number> }).benchGetInbox()).then(
    (totalMs) => ({ totalMs }),
    (error: unknown) => ({ error }),
  );
  const events = await trace.stop();
  if ('error' in outcome) throw outcome.error;
  return phasesOf(events, outcome.totalMs);
}

function phasesOf(events: TraceEvent[], totalMs: number): WakePhases {
  const request = markTimes(events, 'parley-bench:request').at(-1);
  const answer = markTimes(events, 'parley-bench:answer').at(-1);
  if (request === undefined || answer === undefined) throw new Error('the trace has no request/answer marks (blink.user_timing)');
  const between = (e: TraceEvent) => e.ts >= request && e.ts <= answer;
  const start = events.find((e) => e.name === 'ServiceWorkerVersion::StartWorker' && between(e));
  const evaluated = events.find((e) => e.name === 'ServiceWorkerGlobalScopeProxy::DidEvaluateTopLevelScript' && between(e));
  if (!start || !evaluated) throw new Error('the trace shows no worker start between the request and its answer');
  const onWorker = events.filter((e) => e.pid === evaluated.pid && e.tid === evaluated.tid && e.ph === 'X' && e.ts >= start.ts && e.ts <= evaluated.ts);
  const compileMs = onWorker.filter((e) => e.name === 'v8.compileModule').reduce((sum, e) => sum + (e.dur ?? 0), 0) / 1000;
  // Evaluating the entry module runs its whole graph: the longest such event is the top-level code.
  const evaluation = onWorker.filter((e) => e.name === 'v8.evaluateModule').sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))[0];
  const evaluateMs = (evaluation?.dur ?? 0) / 1000;
  const samples = threadSamples(events, evaluated);
  return {
    totalMs,
    untilStartMs: (start.ts - request) / 1000,
    compileMs,
    evaluateMs,
    otherStartMs: (evaluated.ts - start.ts) / 1000 - compileMs - evaluateMs,
    afterEvaluateMs: (answer - evaluated.ts) / 1000,
    hotDuringEvaluate: hottest(samples, [[evaluation?.ts ?? start.ts, evaluated.ts]]),
    hotAfterEvaluate: hottest(samples, [[evaluated.ts, answer]]),
  };
}
