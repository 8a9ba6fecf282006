import type { BenchProfile } from './e2eProfiles';

/** A Chromium trace event (the Trace Event Format, as CDP Tracing reports it). */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  pid: number;
  tid: number;
  /** Microseconds on the system's monotonic clock: the same for every Chromium on the machine. */
  ts: number;
  dur?: number;
  id?: string;
  args?: Record<string, unknown>;
}

/** [start, end) in trace microseconds. */
export type Window = readonly [number, number];

export interface HotFunction {
  name: string;
  ms: number;
}

interface CpuProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url?: string };
}

interface Samples {
  nodes: Map<number, CpuProfileNode>;
  /** [trace timestamp µs, node id], in time order. */
  at: [number, number][];
}

/** The page's performance.mark()s, the worker's V8 samples, and what the worker and IndexedDB do. */
export const BENCH_TRACE_CATEGORIES = [
  'devtools.timeline',
  'v8',
  'v8.execute',
  'ServiceWorker',
  'IndexedDB',
  'blink.user_timing',
  'disabled-by-default-v8.cpu_profiler',
].join(',');

/** Starts CDP Tracing in the profile's browser (every process of it); stop() hands the events back. */
export async function startTrace(profile: BenchProfile): Promise<{ stop(): Promise<TraceEvent[]> }> {
  const cdp = await profile.browser.context.newCDPSession(profile.extensionPage);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  try {
    await cdp.send('Tracing.start', { categories: BENCH_TRACE_CATEGORIES, transferMode: 'ReportEvents' });
  } catch (error) {
    await cdp.detach().catch(() => undefined);
    throw error;
  }
  return {
    async stop() {
      try {
        const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
        await cdp.send('Tracing.end');
        await complete;
        return events;
      } finally {
        await cdp.detach().catch(() => undefined);
      }
    },
  };
}

/** The timestamps of a performance.mark() name, in order. */
export function markTimes(events: readonly TraceEvent[], name: string): number[] {
  return events.filter((e) => e.name === name).map((e) => e.ts).sort((a, b) => a - b);
}

export function inAny(ts: number, windows: readonly Window[]): boolean {
  return windows.some(([from, to]) => ts >= from && ts < to);
}

/** The extension's service worker thread with the most events inside `windows` (a wake starts a new one). */
export function workerThread(events: readonly TraceEvent[], windows: readonly Window[]): { pid: number; tid: number } | undefined {
  const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args?.['name'] as string | undefined) === 'ServiceWorker thread');
  let best: { pid: number; tid: number; count: number } | undefined;
  for (const t of names) {
    const count = events.filter((e) => e.pid === t.pid && e.tid === t.tid && inAny(e.ts, windows)).length;
    if (!best || count > best.count) best = { pid: t.pid, tid: t.tid, count };
  }
  return best && { pid: best.pid, tid: best.tid };
}

/** The V8 sampling profile of one thread. */
export function threadSamples(events: readonly TraceEvent[], thread: { pid: number; tid: number }): Samples {
  const profile = events.filter((e) => e.name === 'Profile' && e.pid === thread.pid && e.tid === thread.tid).at(-1);
  const nodes = new Map<number, CpuProfileNode>();
  const at: [number, number][] = [];
  if (!profile) return { nodes, at };
  let ts = (profile.args?.['data'] as { startTime: number }).startTime;
  for (const chunk of events.filter((e) => e.name === 'ProfileChunk' && e.pid === profile.pid && e.id === profile.id)) {
    const data = chunk.args?.['data'] as { cpuProfile?: { nodes?: CpuProfileNode[]; samples?: number[] }; timeDeltas?: number[] };
    for (const node of data.cpuProfile?.nodes ?? []) nodes.set(node.id, node);
    const deltas = data.timeDeltas ?? [];
    (data.cpuProfile?.samples ?? []).forEach((id, i) => {
      ts += deltas[i] ?? 0;
      at.push([ts, id]);
    });
  }
  return { nodes, at };
}

/** Sampled ms the thread was running (not idle) inside `windows`. */
export function busyMs(samples: Samples, windows: readonly Window[]): number {
  let ms = 0;
  samples.at.forEach(([ts, id], i) => {
    const next = samples.at[i + 1];
    if (!next || !inAny(ts, windows)) return;
    if (samples.nodes.get(id)?.callFrame.functionName !== '(idle)') ms += (next[0] - ts) / 1000;
  });
  return ms;
}

/** Named functions by inclusive sampled time inside `windows`, the top `top`. */
export function hottest(samples: Samples, windows: readonly Window[], top = 6): HotFunction[] {
  const inclusive = new Map<string, number>();
  samples.at.forEach(([ts, id], i) => {
    const next = samples.at[i + 1];
    if (!next || !inAny(ts, windows)) return;
    const ms = (next[0] - ts) / 1000;
    const seen = new Set<string>();
    for (let node = samples.nodes.get(id); node; node = node.parent === undefined ? undefined : samples.nodes.get(node.parent)) {
      const name = frameName(node);
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  });
  return [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms }));
}

export function describeHot(list: readonly HotFunction[], perCount = 1): string {
  return list.map((f) => `${f.name} ${(f.ms / perCount).toFixed(1)}`).join(', ') || 'no samples';
}

/**
 * A named function with its file, or a native one (IndexedDB's `transaction`, WebCrypto's
 * `sign`); the bundle is minified, so short names are its own. V8's pseudo-frames say too
 * little to count, but for the garbage collector.
 */
function frameName(node: CpuProfileNode): string | undefined {
  const { functionName, url } = node.callFrame;
  if (!functionName) return undefined;
  if (functionName.startsWith('(')) return functionName === '(garbage collector)' ? functionName : undefined;
  const file = url ? url.split('/').pop()?.replace(/-[\w-]{8}\.js$/, '.js') : 'native';
  return `${functionName} (${file})`;
}
