import { writeFileSync } from 'node:fs';
import type { TimedDelivery } from './e2eNodeOnly';
import { deliverBetweenDapps, type BenchProfile } from './e2eProfiles';
import { busyMs, hottest, inAny, markTimes, startTrace, threadSamples, workerThread, type HotFunction, type TraceEvent, type Window } from './e2eTrace';

/** What one side's worker did per message, from a trace of several (averages). */
export interface WorkerShare {
  /** Sampled ms the worker thread ran JavaScript or native calls (not idle). */
  busyMs: number;
  /** IndexedDB transactions the worker opened, and the ms the browser's backend spent committing them. */
  idbTransactions: number;
  idbCommitMs: number;
  /** Named functions by inclusive ms per message. */
  hot: HotFunction[];
}

export interface SendTrace {
  deliveries: TimedDelivery[];
  sender: WorkerShare;
  receiver: WorkerShare;
}

/**
 * Traces `count` dApp-to-dApp messages in both browsers at once. The sender's window is its
 * page's send until the answer; the receiver's is the sender's send until the `message` event
 * (trace timestamps share the machine's monotonic clock across browsers). Apart from the timed
 * messages: tracing and sampling cost time too.
 */
export async function traceSends(from: BenchProfile, to: BenchProfile, conversationId: string, count: number, timeoutMs: number): Promise<SendTrace> {
  const fromTrace = await startTrace(from);
  const toTrace = await startTrace(to).catch(async (error: unknown) => {
    await fromTrace.stop();
    throw error;
  });
  const deliveries: TimedDelivery[] = [];
  let failure: unknown;
  try {
    for (let i = 0; i < count; i++) deliveries.push(await deliverBetweenDapps(from, to, conversationId, `traced ${i}`, timeoutMs));
  } catch (error) {
    failure = error;
  }
  const fromEvents = await fromTrace.stop();
  const toEvents = await toTrace.stop();
  // For reading a message's timeline by hand (chrome://tracing or a script).
  const dump = process.env['BENCH_TRACE_DUMP'];
  if (dump) writeFileSync(dump, JSON.stringify({ sender: fromEvents, receiver: toEvents }));
  if (failure !== undefined) throw failure;

  const sends = markTimes(fromEvents, 'parley-bench:send');
  const answers = markTimes(fromEvents, 'parley-bench:sent');
  const received = markTimes(toEvents, 'parley-bench:received').filter((ts) => ts >= (sends[0] ?? Infinity));
  if (sends.length !== count || answers.length !== count || received.length < count) {
    throw new Error(`the traces hold ${sends.length} sends, ${answers.length} answers and ${received.length} receipts for ${count} messages`);
  }
  const senderWindows: Window[] = sends.map((ts, i) => [ts, answers[i]!]);
  const receiverWindows: Window[] = sends.map((ts, i) => [ts, received[i]!]);
  return {
    deliveries,
    sender: shareOf(fromEvents, senderWindows),
    receiver: shareOf(toEvents, receiverWindows),
  };
}

function shareOf(events: TraceEvent[], windows: Window[]): WorkerShare {
  const thread = workerThread(events, windows);
  if (!thread) throw new Error('the trace has no service worker thread');
  const samples = threadSamples(events, thread);
  const perMessage = (n: number) => n / windows.length;
  const inWindows = events.filter((e) => inAny(e.ts, windows));
  const transactions = inWindows.filter((e) => e.name === 'IDBDatabase::transaction' && e.pid === thread.pid && e.tid === thread.tid).length;
  const commitMs = inWindows.filter((e) => e.name === 'Transaction::DoPendingCommit').reduce((sum, e) => sum + (e.dur ?? 0), 0) / 1000;
  return {
    busyMs: perMessage(busyMs(samples, windows)),
    idbTransactions: perMessage(transactions),
    idbCommitMs: perMessage(commitMs),
    hot: hottest(samples, windows, 8).map((f) => ({ name: f.name, ms: perMessage(f.ms) })),
  };
}
