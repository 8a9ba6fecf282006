/**
 * `npm run bench:e2e`: what the extension adds to a message's trip, and how fast a stopped
 * worker answers again. Everything on loopback, started and stopped by this script:
 *
 * - dApp to dApp: two Chromium profiles with the built extension (dist/chrome), each onboarded
 *   through the UI with a dApp page granted access; Alice's dApp sends, Bob's dApp gets the
 *   `message` event. MESSAGES messages, one at a time (latency, not throughput).
 * - node only, in the same run on the same parley-node: two core Clients in this process
 *   (memory stores, the same gRPC-web transport), a DM, the receiver on streamAllMessages.
 *   The two paths alternate in ROUNDS rounds, so load from elsewhere on the machine hits both.
 * - A bare subscriber of each DM's group splits every trip into the sender's part (send call
 *   until the node fans the envelope out) and the receiver's part (from there to the app).
 * - Wake to answer: WAKES times, Alice's worker is stopped with CDP
 *   ServiceWorker.stopAllWorkers and her dApp's next xmtp_getInbox is timed in the page.
 *
 * Goals (issue 5): dApp-to-dApp p50 ≤ 2× node-only p50; wake-to-answer median ≤ 150 ms.
 * The script prints and asserts nothing about time; it stops after DEADLINE_MS whatever happens.
 */
import { rmSync } from 'node:fs';
import { ParleyNode } from '../test/interop/parleyNode';
import { buildExtension, startDappServer } from '../test/e2e/browser';
import { GroupObserver } from './e2eGroupObserver';
import { NodeOnlyPair, type TimedDelivery } from './e2eNodeOnly';
import { calibrateClock, createDm, deliverBetweenDapps, startProfile, wakeToAnswer, type BenchProfile } from './e2eProfiles';
import { describeMs, median, ms, percentile } from './e2eStats';
import { traceSends, type SendTrace } from './e2eSendTrace';
import { describeHot } from './e2eTrace';
import { traceOneWake, type WakePhases } from './e2eWakeTrace';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 200);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const WARM_UP = Number(process.env['BENCH_WARM_UP'] ?? 10);
const WAKES = Number(process.env['BENCH_WAKES'] ?? 10);
/** Messages sent again under CDP Tracing in both browsers, to show where a message's time goes. */
const TRACED = Number(process.env['BENCH_TRACED'] ?? 20);
/** Pause after each wake, so the next stop finds a worker done with its wake-up sync. */
const SETTLE_AFTER_WAKE_MS = 1_500;
const MESSAGE_TIMEOUT_MS = 30_000;
const DEADLINE_MS = Number(process.env['BENCH_DEADLINE_MS'] ?? 15 * 60_000);

interface Path {
  name: string;
  deliveries: TimedDelivery[];
  /** When the bare subscriber saw each delivery's envelope (undefined if it did not). */
  fannedOutAt: (number | undefined)[];
}

function progress(line: string): void {
  process.stderr.write(`[bench:e2e] ${line}\n`);
}

const started = performance.now();
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;

/** Runs every cleanup once, newest first, each failure reported and then ignored. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => progress(`cleanup: ${String(e)}`));
  })();
  return cleaning;
}

const deadline = setTimeout(() => {
  progress(`deadline of ${DEADLINE_MS} ms reached: stopping everything`);
  void cleanUp().finally(() => process.exit(2));
}, DEADLINE_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function runPath(path: Path, count: number, offset: number, observer: GroupObserver, deliver: (text: string) => Promise<TimedDelivery>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const delivery = await deliver(`${path.name} ${offset + i}`);
    path.deliveries.push(delivery);
    path.fannedOutAt.push(observer.firstAfter(delivery.sentAt));
  }
}

function report(path: Path): { total: number[] } {
  const total = path.deliveries.map((d) => d.receivedAt - d.sentAt);
  const ack = path.deliveries.map((d) => d.ackedAt - d.sentAt);
  const senderPart: number[] = [];
  const receiverPart: number[] = [];
  path.deliveries.forEach((d, i) => {
    const at = path.fannedOutAt[i];
    if (at === undefined || at > d.receivedAt) return;
    senderPart.push(at - d.sentAt);
    receiverPart.push(d.receivedAt - at);
  });
  console.log(`${path.name.padEnd(14)} send → received   ${describeMs(total)}`);
  console.log(`${''.padEnd(14)} send call returns ${describeMs(ack)}`);
  console.log(`${''.padEnd(14)} send → node fan-out ${describeMs(senderPart)}`);
  console.log(`${''.padEnd(14)} fan-out → received ${describeMs(receiverPart)}`);
  if (senderPart.length < total.length) {
    console.log(`${''.padEnd(14)} (the bare subscriber, in this busy process, saw ${total.length - senderPart.length} envelopes only after the receiving app: left out of the split)`);
  }
  return { total };
}

function printSendTrace(trace: SendTrace | string): void {
  if (typeof trace === 'string') {
    console.log(`traced messages: no breakdown (${trace})`);
    return;
  }
  const totals = trace.deliveries.map((d) => d.receivedAt - d.sentAt);
  console.log(`traced dApp messages (slower under tracing), per message: send → received p50 ${ms(median(totals))}`);
  for (const [side, share] of [['sender', trace.sender], ['receiver', trace.receiver]] as const) {
    console.log(`  ${side} worker: busy ${share.busyMs.toFixed(1)} ms, ${share.idbTransactions.toFixed(1)} IndexedDB transactions (backend commit ${share.idbCommitMs.toFixed(1)} ms)`);
    console.log(`    hottest (inclusive ms): ${describeHot(share.hot)}`);
  }
}

function printPhases(phases: WakePhases | string): void {
  if (typeof phases === 'string') {
    console.log(`traced wake: no breakdown (${phases})`);
    return;
  }
  const hot = (list: WakePhases['hotDuringEvaluate']) => describeHot(list);
  console.log(`traced wake (slower under tracing): ${ms(phases.totalMs)} = request → worker start ${phases.untilStartMs.toFixed(1)}`);
  console.log(`  + compile modules ${phases.compileMs.toFixed(1)} + top-level code ${phases.evaluateMs.toFixed(1)} + other start-up ${phases.otherStartMs.toFixed(1)}`);
  console.log(`  + set-up, request and answer ${phases.afterEvaluateMs.toFixed(1)} (ms)`);
  console.log(`  hottest in the top-level code (inclusive ms): ${hot(phases.hotDuringEvaluate)}`);
  console.log(`  hottest after it, until the answer: ${hot(phases.hotAfterEvaluate)}`);
}

async function main(): Promise<void> {
  progress('building the extension (dist/chrome)');
  const extensionDir = buildExtension();
  cleanups.push(async () => rmSync(extensionDir, { recursive: true, force: true }));

  // The limiter counts every loopback client as one; it is not what this measures.
  const node = await ParleyNode.start({ logLevel: 'info', extraArgs: ['--rate-limit-writes', '0', '--rate-limit-reads', '0'] });
  cleanups.push(() => node.stop());
  const server = await startDappServer();
  cleanups.push(() => server.close());

  progress('starting and onboarding two Chromium profiles');
  const dappUrl = `${server.origin('localhost')}/bench`;
  const alice: BenchProfile = await startProfile(extensionDir, 'alice bench password', node.webUrl, dappUrl, 'site');
  cleanups.push(() => alice.browser.close());
  // Both site-scoped: the DM Alice starts carries the dApp's origin in its app data.
  const bob: BenchProfile = await startProfile(extensionDir, 'bob bench password', node.webUrl, dappUrl, 'site');
  cleanups.push(() => bob.browser.close());
  const dmId = await createDm(alice, bob, 60_000);
  const browserObserver = new GroupObserver(node.webUrl, dmId);
  cleanups.push(() => browserObserver.close());

  progress('starting the node-only pair (two core Clients in this process)');
  const pair = await NodeOnlyPair.start(node.webUrl);
  cleanups.push(() => pair.close());
  const pairObserver = new GroupObserver(node.webUrl, pair.dm.id);
  cleanups.push(() => pairObserver.close());

  const dapps: Path = { name: 'dApp → dApp', deliveries: [], fannedOutAt: [] };
  const nodeOnly: Path = { name: 'node only', deliveries: [], fannedOutAt: [] };
  const viaDapps = (text: string) => deliverBetweenDapps(alice, bob, dmId, text, MESSAGE_TIMEOUT_MS);
  const viaPair = (text: string) => pair.deliver(text, MESSAGE_TIMEOUT_MS);

  progress(`warming up (${WARM_UP} messages each way, not counted)`);
  await runPath({ name: 'warm-up dapps', deliveries: [], fannedOutAt: [] }, WARM_UP, 0, browserObserver, viaDapps);
  await runPath({ name: 'warm-up pair', deliveries: [], fannedOutAt: [] }, WARM_UP, 0, pairObserver, viaPair);

  const perRound = Math.ceil(MESSAGES / ROUNDS);
  let clockError = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const count = Math.min(perRound, MESSAGES - round * perRound);
    progress(`round ${round + 1}/${ROUNDS}: ${count} messages each path`);
    // Alternate which path goes first, so a slow stretch of the machine is shared.
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) {
      if (which === 0) {
        // Page timestamps become this process's; the bound of the error goes into the report.
        clockError = Math.max(clockError, await calibrateClock(alice), await calibrateClock(bob));
        await runPath(dapps, count, round * perRound, browserObserver, viaDapps);
      }
      else await runPath(nodeOnly, count, round * perRound, pairObserver, viaPair);
    }
  }

  progress(`${TRACED} more dApp messages, traced in both browsers (not counted above)`);
  const sendTrace = TRACED > 0 ? await traceSends(alice, bob, dmId, TRACED, MESSAGE_TIMEOUT_MS).catch((e: unknown) => String(e)) : 'BENCH_TRACED=0';

  progress(`wake to answer: ${WAKES} CDP worker stops`);
  const wakes: number[] = [];
  for (let i = 0; i < WAKES; i++) {
    wakes.push(await wakeToAnswer(alice));
    await new Promise((r) => setTimeout(r, SETTLE_AFTER_WAKE_MS));
  }
  progress('one more wake, traced (CDP Tracing), to see where its time goes');
  const phases = await traceOneWake(alice).catch((e: unknown) => String(e));

  console.log(`\nbench:e2e — ${MESSAGES} messages per path, one at a time, in ${ROUNDS} alternating rounds; one parley-node (SQLite), loopback`);
  const { total: dappTotals } = report(dapps);
  const { total: nodeTotals } = report(nodeOnly);
  const ratio = percentile(dappTotals, 50) / percentile(nodeTotals, 50);
  console.log(`p50 ratio dApp→dApp / node-only: ${ratio.toFixed(2)}× (goal ≤ 2×); p99 ratio ${(percentile(dappTotals, 99) / percentile(nodeTotals, 99)).toFixed(2)}×`);
  printSendTrace(sendTrace);
  console.log(`wake to answer (xmtp_getInbox after a CDP worker stop): median ${ms(median(wakes))} (goal ≤ 150 ms); min ${ms(Math.min(...wakes))}, max ${ms(Math.max(...wakes))}; all: ${wakes.map((w) => w.toFixed(0)).join(', ')}`);
  printPhases(phases);
  console.log(`page clocks calibrated to within ±${clockError.toFixed(2)} ms; run took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main()
  .then(
    () => 0,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    clearTimeout(deadline);
    await cleanUp();
    process.exit(code);
  });
